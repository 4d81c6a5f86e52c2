// SPDX-License-Identifier: GPL-2.0
/* riptel.ko: module parameters, load and unload. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include "ctl.h"
#include "dev.h"
#include "genl.h"
#include "probes.h"
#include "provider.h"
#include "ring.h"

static unsigned int ring_pages = 256;
module_param(ring_pages, uint, 0444);
MODULE_PARM_DESC(ring_pages,
		 "data pages per CPU ring, a power of two in 1..65536 (default 256)");

static unsigned int watermark;
module_param(watermark, uint, 0444);
MODULE_PARM_DESC(watermark,
		 "pending bytes on a ring that wake a waiting reader, rounded up to whole records; 0 means a quarter of the ring (default 0)");

static unsigned int flush_ms = 50;
module_param(flush_ms, uint, 0444);
MODULE_PARM_DESC(flush_ms,
		 "a waiting reader gets records below the watermark within this many ms, 1..10000 (default 50)");

/* Check the parameters; on success *wake holds the watermark in bytes. */
static int riptel_check_params(u32 *wake)
{
	u64 size = (u64)ring_pages << PAGE_SHIFT;

	if (!ring_pages || ring_pages > 65536 || !is_power_of_2(ring_pages) ||
	    size > RIPTEL_MAX_DATA_SIZE) {
		pr_err("ring_pages=%u: must be a power of two in 1..65536 and at most %llu bytes\n",
		       ring_pages, RIPTEL_MAX_DATA_SIZE);
		return -EINVAL;
	}
	if (watermark > size) {
		pr_err("watermark=%u: larger than the ring (%llu bytes)\n",
		       watermark, size);
		return -EINVAL;
	}
	if (!flush_ms || flush_ms > 10000) {
		pr_err("flush_ms=%u: must be in 1..10000\n", flush_ms);
		return -EINVAL;
	}
	*wake = watermark ? roundup(watermark, RIPTEL_RECORD_SIZE) :
		max_t(u32, size / 4, RIPTEL_RECORD_SIZE);
	return 0;
}

static int __init riptel_init(void)
{
	const char *missing = "?";
	u32 wake;
	int err;

	err = riptel_check_params(&wake);
	if (err)
		return err;
	err = riptel_ctl_init();
	if (err)
		return err;
	err = riptel_rings_init(ring_pages, wake, flush_ms);
	if (err) {
		pr_err("cannot allocate %u pages per CPU for the rings: %d\n",
		       ring_pages, err);
		goto exit_ctl;
	}
	err = riptel_probes_attach(&missing);
	if (err) {
		if (err == -ENOENT)
			pr_err("tracepoint %s not found in this kernel\n",
			       missing);
		else
			pr_err("cannot attach to tracepoint %s: %d\n",
			       missing, err);
		goto free_rings;
	}
	err = riptel_identity_init();
	if (err) {
		pr_err("cannot set up SPIFFE ID interning and providers: %d\n",
		       err);
		goto detach_probes;
	}
	/*
	 * What user space can reach comes last, the device very last: a file
	 * opened on it while a later step failed would outlive the module
	 * (an init that fails frees it whatever is open), whereas
	 * genl_unregister_family() waits out the requests in flight.
	 */
	err = riptel_genl_init();
	if (err) {
		pr_err("cannot register the %s generic netlink family: %d\n",
		       RIPTEL_GENL_NAME, err);
		goto exit_identity;
	}
	err = riptel_dev_init();
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", RIPTEL_DEVICE_NAME, err);
		goto exit_genl;
	}
	pr_info("version %s loaded: %u pages per CPU, watermark %u bytes, flush %u ms\n",
		RIPTEL_VERSION, ring_pages, wake, flush_ms);
	return 0;

exit_genl:
	riptel_genl_exit();
exit_identity:
	riptel_identity_exit();
detach_probes:
	riptel_probes_detach();
free_rings:
	riptel_rings_exit();
exit_ctl:
	riptel_ctl_exit();
	return err;
}

/* No reader can exist here: an open file or mapping pins the module. */
static void __exit riptel_exit(void)
{
	riptel_dev_exit();
	riptel_genl_exit();
	riptel_identity_exit();
	riptel_probes_detach();
	riptel_rings_exit();
	riptel_ctl_exit();
}

module_init(riptel_init);
module_exit(riptel_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("riptel: kernel telemetry over per-CPU mmap rings");
MODULE_VERSION(RIPTEL_VERSION);
