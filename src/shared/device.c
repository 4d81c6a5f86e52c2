/* device.c - open /dev/riptel, check the ABI, map every CPU's ring. */
#include "device.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* more possible CPUs than this is a broken info block, not a machine */
#define DEVICE_MAX_CPUS 65536

/*
 * The module ABIs this agent drives, newest first.  ABI 1 differs from 2
 * in (riptel.h, "History"): every possible CPU's ring exists at load, no
 * nr_rings or POLLPRI (ring_hotplug false); riptel_rec_conn's tgid/pid
 * reserved (zero); CTL_GET sends the filter lists to everyone and no
 * NR_PIDS/NR_CGROUPS; RINGS TAIL is the producer's cached tail.  Its row
 * would be { .version = 1, .ring_hotplug = false }.
 */
static const struct device_abi device_abis[] = {
	{ .version = RIPTEL_ABI_VERSION, .ring_hotplug = true },
};

const struct device_abi *device_abi_find(uint32_t version)
{
	size_t i;

	for (i = 0; i < sizeof(device_abis) / sizeof(device_abis[0]); i++)
		if (device_abis[i].version == version)
			return &device_abis[i];
	return NULL;
}

int device_check_info(const struct riptel_info *info, long page_size)
{
	const struct device_abi *abi = device_abi_find(info->abi_version);
	uint64_t ds = info->data_size;

	if (!abi || info->record_size != RIPTEL_RECORD_SIZE ||
	    info->nr_cpus == 0 || info->nr_cpus > DEVICE_MAX_CPUS ||
	    page_size <= 0 || info->page_size != (uint64_t)page_size)
		return -EINVAL;
	if (abi->ring_hotplug && info->nr_rings > info->nr_cpus)
		return -EINVAL;
	/* power of two, whole pages and records, fits its mmap region */
	if (ds == 0 || (ds & (ds - 1)) || ds < (uint64_t)page_size ||
	    ds < RIPTEL_RECORD_SIZE || ds > RIPTEL_MAX_DATA_SIZE)
		return -EINVAL;
	return 0;
}

static void unmap_ring(const struct device *d, struct device_ring *r)
{
	if (r->prod)
		munmap((void *)r->prod, d->info.page_size);
	if (r->cons)
		munmap(r->cons, d->info.page_size);
	if (r->data)
		munmap((void *)r->data, d->info.data_size);
	memset(r, 0, sizeof(*r));
}

static int map_one(int fd, uint32_t cpu, unsigned int region, size_t len,
		   int prot, void **out)
{
	void *p = mmap(NULL, len, prot, MAP_SHARED, fd,
		       (off_t)RIPTEL_MMAP_OFFSET(cpu, region));

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

/* 0, 1 if the CPU has no ring (ENXIO), or -errno. */
static int map_ring(struct device *d, uint32_t cpu, struct device_ring *r,
		    struct device_diag *diag)
{
	const struct riptel_prod_page *prod;
	void *p = NULL;
	int ret;

	memset(r, 0, sizeof(*r));
	r->cpu = cpu;
	diag->step = DEVICE_STEP_MMAP;
	diag->cpu = cpu;
	ret = map_one(d->fd, cpu, RIPTEL_REGION_PROD, d->info.page_size,
		      PROT_READ, &p);
	if (ret == -ENXIO)
		return 1;
	if (ret)
		return ret;
	r->prod = p;
	ret = map_one(d->fd, cpu, RIPTEL_REGION_CONS, d->info.page_size,
		      PROT_READ | PROT_WRITE, &p);
	if (ret)
		goto err_unmap;
	r->cons = p;
	ret = map_one(d->fd, cpu, RIPTEL_REGION_DATA, d->info.data_size,
		      PROT_READ, &p);
	if (ret)
		goto err_unmap;
	r->data = p;

	diag->step = DEVICE_STEP_RING;
	prod = r->prod;
	if (prod->abi_version != d->abi->version ||
	    prod->record_size != RIPTEL_RECORD_SIZE ||
	    prod->data_size != d->info.data_size || prod->cpu != cpu) {
		ret = -EPROTO;
		goto err_unmap;
	}
	return 0;

err_unmap:
	unmap_ring(d, r);
	return ret;
}

/* Map every CPU's ring not mapped yet: how many, or -errno. */
static int map_missing(struct device *d, struct device_diag *diag)
{
	uint32_t cpu;
	int ret, added = 0;

	for (cpu = 0; cpu < d->info.nr_cpus; cpu++) {
		if (d->mapped[cpu])
			continue;
		ret = map_ring(d, cpu, &d->rings[d->nr_rings], diag);
		if (ret < 0)
			return ret;
		if (ret == 0) {
			d->mapped[cpu] = true;
			d->nr_rings++;
			added++;
		}
	}
	return added;
}

int device_open(struct device **out, const char *path,
		struct device_diag *diag)
{
	struct device_diag dummy;
	struct device *d;
	uint32_t abi = 0;
	int ret;

	*out = NULL;
	if (!diag)
		diag = &dummy;
	memset(diag, 0, sizeof(*diag));
	if (!path)
		path = DEVICE_DEFAULT_PATH;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;

	diag->step = DEVICE_STEP_OPEN;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		ret = -errno;
		goto err_free;
	}

	/* the one ioctl that never changes shape: ask it first */
	diag->step = DEVICE_STEP_ABI;
	if (ioctl(d->fd, RIPTEL_IOC_ABI_VERSION, &abi) < 0) {
		ret = -errno;
		goto err_close;
	}
	diag->kernel_abi = abi;
	d->abi = device_abi_find(abi);
	if (!d->abi) {
		ret = -EPROTO;
		goto err_close;
	}

	diag->step = DEVICE_STEP_INFO;
	if (ioctl(d->fd, RIPTEL_IOC_INFO, &d->info) < 0) {
		ret = -errno;
		goto err_close;
	}
	ret = device_check_info(&d->info, sysconf(_SC_PAGESIZE));
	if (ret)
		goto err_close;

	d->rings = calloc(d->info.nr_cpus, sizeof(*d->rings));
	d->mapped = calloc(d->info.nr_cpus, sizeof(*d->mapped));
	if (!d->rings || !d->mapped) {
		ret = -ENOMEM;
		goto err_unmap;
	}
	ret = map_missing(d, diag);
	if (ret < 0)
		goto err_unmap;
	if (d->nr_rings == 0) {
		diag->step = DEVICE_STEP_MMAP;
		ret = -ENXIO;
		goto err_unmap;
	}
	*out = d;
	return 0;

err_unmap:
	device_close(d);
	return ret;
err_close:
	close(d->fd);
err_free:
	free(d);
	return ret;
}

int device_refresh(struct device *d, struct device_diag *diag)
{
	struct device_diag dummy;
	struct riptel_info info;

	if (!diag)
		diag = &dummy;
	memset(diag, 0, sizeof(*diag));
	diag->step = DEVICE_STEP_INFO;
	diag->kernel_abi = d->abi->version;
	if (ioctl(d->fd, RIPTEL_IOC_INFO, &info) < 0)
		return -errno;
	/* the geometry cannot change under an open file */
	if (device_check_info(&info, (long)d->info.page_size) ||
	    info.abi_version != d->info.abi_version ||
	    info.nr_cpus != d->info.nr_cpus ||
	    info.data_size != d->info.data_size)
		return -EINVAL;
	d->info = info;
	if (!d->abi->ring_hotplug)
		return 0;
	return map_missing(d, diag);
}

void device_close(struct device *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; d->rings && i < d->nr_rings; i++)
		unmap_ring(d, &d->rings[i]);
	free(d->rings);
	free(d->mapped);
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

/* "2", or "1 or 2": the ABIs of device_abis[], oldest first. */
static const char *abi_list(char *buf, size_t len)
{
	size_t i, n = sizeof(device_abis) / sizeof(device_abis[0]), off = 0;

	buf[0] = '\0';
	for (i = n; i-- > 0 && off < len;)
		off += (size_t)snprintf(buf + off, len - off, "%s%u",
					i + 1 == n ? "" : " or ",
					device_abis[i].version);
	return buf;
}

void device_describe_error(char *buf, size_t len, const char *path, int err,
			   const struct device_diag *diag)
{
	int e = err < 0 ? -err : err;
	char vers[64];

	if (!path)
		path = DEVICE_DEFAULT_PATH;
	if (len == 0)
		return;
	switch (diag->step) {
	case DEVICE_STEP_OPEN:
		if (e == ENOENT)
			snprintf(buf, len,
				 "%s not found: is the riptel module loaded? (modprobe riptel)",
				 path);
		else if (e == EACCES || e == EPERM)
			snprintf(buf, len,
				 "%s: permission denied: run riptel-agent as root, or give its user read-write access to %s",
				 path, path);
		else if (e == EBUSY)
			snprintf(buf, len,
				 "%s is busy: another reader holds it (only one riptel-agent can run; stop the other one)",
				 path);
		else
			snprintf(buf, len, "cannot open %s: %s", path,
				 strerror(e));
		break;
	case DEVICE_STEP_ABI:
		if (e == EPROTO)
			snprintf(buf, len,
				 "%s: ABI version mismatch: the riptel module speaks ABI %u, this riptel-agent speaks ABI %s: install the agent and module from the same riptel release",
				 path, diag->kernel_abi, abi_list(vers, sizeof(vers)));
		else if (e == ENOTTY || e == EINVAL)
			snprintf(buf, len,
				 "%s is not a riptel device (the ABI version ioctl failed: %s)",
				 path, strerror(e));
		else
			snprintf(buf, len, "%s: cannot read the ABI version: %s",
				 path, strerror(e));
		break;
	case DEVICE_STEP_INFO:
		if (e == EINVAL)
			snprintf(buf, len,
				 "%s: the module reported an impossible ring layout (RIPTEL_IOC_INFO): module and agent disagree; reload the module from the same release",
				 path);
		else
			snprintf(buf, len, "%s: RIPTEL_IOC_INFO failed: %s",
				 path, strerror(e));
		break;
	case DEVICE_STEP_MMAP:
		if (e == ENXIO)
			snprintf(buf, len, "%s: no CPU has a ring to map", path);
		else if (e == EBUSY)
			snprintf(buf, len,
				 "%s: CPU %u's ring is busy: another reader has it mapped (stop the other riptel-agent)",
				 path, diag->cpu);
		else if (e == EACCES || e == EPERM)
			snprintf(buf, len,
				 "%s: mapping CPU %u's ring was refused (%s): run riptel-agent as root",
				 path, diag->cpu, strerror(e));
		else
			snprintf(buf, len, "%s: cannot map CPU %u's ring: %s",
				 path, diag->cpu, strerror(e));
		break;
	case DEVICE_STEP_RING:
		snprintf(buf, len,
			 "%s: CPU %u's producer page does not match RIPTEL_IOC_INFO (ABI, record size, data size or CPU): reload the module",
			 path, diag->cpu);
		break;
	default:
		snprintf(buf, len, "%s: %s", path, strerror(e));
	}
}
