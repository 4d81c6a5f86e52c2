// SPDX-License-Identifier: GPL-2.0
/* /dev/riptel: one reader at a time, ioctls, mmap of the rings, poll. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "compat.h"
#include "dev.h"
#include "ring.h"

/* Set while a file is open (mappings keep it open): one reader at a time. */
static atomic_t riptel_dev_busy = ATOMIC_INIT(0);

static int riptel_dev_open(struct inode *inode, struct file *file)
{
	if (atomic_cmpxchg(&riptel_dev_busy, 0, 1))
		return -EBUSY;
	return nonseekable_open(inode, file);
}

static int riptel_dev_release(struct inode *inode, struct file *file)
{
	riptel_ring_reader_release();
	/*
	 * Pairs with the atomic_cmpxchg() in riptel_dev_open(): the next reader
	 * sees this reader's teardown done.
	 */
	atomic_set_release(&riptel_dev_busy, 0);
	return 0;
}

static long riptel_dev_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct riptel_info info;

	switch (cmd) {
	case RIPTEL_IOC_ABI_VERSION:
		return put_user((u32)RIPTEL_ABI_VERSION, (u32 __user *)uarg);
	case RIPTEL_IOC_INFO:
		riptel_ring_info(&info);
		if (copy_to_user(uarg, &info, sizeof(info)))
			return -EFAULT;
		return 0;
	}
	return -ENOTTY;
}

/*
 * The offset names one region of one CPU (see riptel.h); the length must be
 * exactly the region's.  Producer and data regions are read-only for good:
 * VM_MAYWRITE is cleared so mprotect() cannot add write later.  The
 * consumer page must be shared, or the reader's tail would never reach us.
 */
static int riptel_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 cpu = off >> RIPTEL_MMAP_CPU_SHIFT;
	unsigned int region = (off >> RIPTEL_MMAP_REGION_SHIFT) & 0xf;
	unsigned long want;
	void *addr;

	if (off & ((1ULL << RIPTEL_MMAP_REGION_SHIFT) - 1))
		return -EINVAL;
	if (region > RIPTEL_REGION_DATA)
		return -EINVAL;
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return -ENXIO;
	addr = riptel_ring_region(cpu, region, &want);
	if (!addr || len != want)
		return -EINVAL;
	if (region == RIPTEL_REGION_CONS) {
		if (!(vma->vm_flags & VM_SHARED))
			return -EINVAL;
	} else {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		riptel_vm_flags_clear(vma, VM_MAYWRITE);
	}
	riptel_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return remap_vmalloc_range(vma, addr, 0);
}

static __poll_t riptel_dev_poll(struct file *file, poll_table *wait)
{
	return riptel_ring_poll(file, wait);
}

/* .owner pins the module while a file (or a mapping of it) is open. */
static const struct file_operations riptel_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= riptel_dev_open,
	.release	= riptel_dev_release,
	.unlocked_ioctl	= riptel_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= riptel_dev_mmap,
	.poll		= riptel_dev_poll,
};

static struct miscdevice riptel_dev_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= RIPTEL_DEVICE_NAME,
	.fops	= &riptel_dev_fops,
	.mode	= 0600,
};

int riptel_dev_init(void)
{
	return misc_register(&riptel_dev_misc);
}

void riptel_dev_exit(void)
{
	misc_deregister(&riptel_dev_misc);
}
