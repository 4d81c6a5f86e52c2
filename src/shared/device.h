/* device.h - open /dev/riptel, check the ABI, map every CPU's ring. */
#ifndef RIPTEL_DEVICE_H
#define RIPTEL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "riptel.h"

#define DEVICE_DEFAULT_PATH "/dev/" RIPTEL_DEVICE_NAME

/* One CPU's three mappings. */
struct device_ring {
	uint32_t cpu;
	const struct riptel_prod_page *prod;	/* read-only mapping */
	struct riptel_cons_page *cons;		/* read-write mapping */
	const uint8_t *data;			/* read-only, info.data_size */
};

/*
 * A module ABI this code can drive, and what it must do differently for
 * it.  device.c keeps one row per version (device_abis[]); supporting the
 * previous version means adding its row and honouring its flags.
 */
struct device_abi {
	uint32_t version;
	/*
	 * Rings are created as CPUs first come online (ABI 2): info.nr_rings
	 * counts them and poll() reports POLLPRI until INFO is read again, so
	 * device_refresh() maps the new ones.  Without it every possible
	 * CPU's ring exists from the start.
	 */
	bool ring_hotplug;
};

struct device {
	int fd;
	const struct device_abi *abi;	/* the module's */
	struct riptel_info info;	/* as last read */
	size_t nr_rings;		/* CPUs actually mapped */
	struct device_ring *rings;	/* nr_rings used of info.nr_cpus */
	bool *mapped;			/* by CPU: its ring is in rings[] */
};

/*
 * What device_open() was doing when it failed, so the caller can say
 * something actionable (device_describe_error()).
 */
enum device_step {
	DEVICE_STEP_OPEN,
	DEVICE_STEP_ABI,	/* RIPTEL_IOC_ABI_VERSION */
	DEVICE_STEP_INFO,	/* RIPTEL_IOC_INFO or its contents */
	DEVICE_STEP_MMAP,
	DEVICE_STEP_RING,	/* a producer page's contents */
};

struct device_diag {
	enum device_step step;
	uint32_t kernel_abi;	/* valid from DEVICE_STEP_ABI on */
	uint32_t cpu;		/* DEVICE_STEP_MMAP / DEVICE_STEP_RING */
};

/*
 * Open @path (NULL: /dev/riptel): RIPTEL_IOC_ABI_VERSION first (a version
 * not in device_abis[] fails with -EPROTO and diag->kernel_abi set), then
 * RIPTEL_IOC_INFO, then every CPU's producer page, consumer page and data
 * region.  A CPU whose mmap fails with ENXIO has no ring (not possible, or
 * not online yet) and is skipped; any other failure fails the open.
 * Returns 0 or -errno; @diag says where it failed.
 */
int device_open(struct device **out, const char *path,
		struct device_diag *diag);
void device_close(struct device *d);

/* The row of @version in device_abis[], or NULL: not supported. */
const struct device_abi *device_abi_find(uint32_t version);

/*
 * After poll() reported POLLPRI (rings were created since INFO was last
 * read): read INFO again, which acknowledges them, and map every ring not
 * mapped yet; the new ones are appended to d->rings.  Returns how many
 * were added, or -errno (rings mapped before the failure stay).
 */
int device_refresh(struct device *d, struct device_diag *diag);

/* Check the info block the module returned: 0 or -EINVAL. */
int device_check_info(const struct riptel_info *info, long page_size);

/*
 * One line saying what went wrong and what to do, for the caller to log:
 * e.g. "/dev/riptel not found: is the riptel module loaded? (modprobe
 * riptel)".  Always NUL-terminates @buf.
 */
void device_describe_error(char *buf, size_t len, const char *path, int err,
			   const struct device_diag *diag);

#endif /* RIPTEL_DEVICE_H */
