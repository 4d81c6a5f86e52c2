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

struct device {
	int fd;
	struct riptel_info info;
	size_t nr_rings;		/* CPUs actually mapped */
	struct device_ring *rings;	/* nr_rings entries */
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
 * Open @path (NULL: /dev/riptel): RIPTEL_IOC_ABI_VERSION first (a different
 * version fails with -EPROTO and diag->kernel_abi set), then RIPTEL_IOC_INFO,
 * then every possible CPU's producer page, consumer page and data region.
 * A CPU whose mmap fails with ENXIO has no ring and is skipped; any other
 * failure fails the open.  Returns 0 or -errno; @diag says where it failed.
 */
int device_open(struct device **out, const char *path,
		struct device_diag *diag);
void device_close(struct device *d);

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
