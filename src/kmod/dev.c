// SPDX-License-Identifier: GPL-2.0
/* /dev/riptel: one reader at a time, ioctls, mmap of the rings, poll. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/uaccess.h>
#include "compat.h"
#include "dev.h"
#include "ring.h"

/* Set while a file is open (mappings keep it open): one reader at a time. */
static atomic_t riptel_dev_busy = ATOMIC_INIT(0);

/*
 * The reader's file: nr_rings as it last read it through RIPTEL_IOC_INFO
 * (in file->private_data); poll() reports EPOLLPRI while rings were added
 * since.  Only the one reader touches it.
 */
static int riptel_dev_open(struct inode *inode, struct file *file)
{
	int err;

	if (atomic_cmpxchg(&riptel_dev_busy, 0, 1))
		return -EBUSY;
	err = nonseekable_open(inode, file);
	if (err) {
		atomic_set_release(&riptel_dev_busy, 0);
		return err;
	}
	file->private_data = NULL;
	riptel_ring_reader_open();
	return 0;
}

static u32 riptel_dev_seen(const struct file *file)
{
	return (u32)(uintptr_t)READ_ONCE(file->private_data);
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
		/* the reader knows of these rings now: EPOLLPRI clears */
		WRITE_ONCE(file->private_data, (void *)(uintptr_t)info.nr_rings);
		return 0;
	}
	return -ENOTTY;
}

/*
 * The offset names one region of one CPU (see riptel.h); the length must be
 * exactly the region's.  Producer and data regions are read-only for good:
 * VM_MAYWRITE is cleared so mprotect() cannot add write later.  The
 * consumer page must be shared, or the reader's tail would never reach us.
 * The ring's own pages are inserted (they sit on their CPU's node; the
 * module cannot vmalloc there with VM_USERMAP): each mapping holds a page
 * reference, and the open file pins the module and so the rings.
 */
static int riptel_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	unsigned long len = vma->vm_end - vma->vm_start;
	u64 cpu = off >> RIPTEL_MMAP_CPU_SHIFT;
	unsigned int region = (off >> RIPTEL_MMAP_REGION_SHIFT) & 0xf;
	struct page **pages;
	unsigned long nr;
	int err;

	if (off & ((1ULL << RIPTEL_MMAP_REGION_SHIFT) - 1))
		return -EINVAL;
	if (region > RIPTEL_REGION_DATA)
		return -EINVAL;
	if (cpu >= nr_cpu_ids)
		return -ENXIO;
	err = riptel_ring_pages(cpu, region, &pages, &nr);
	if (err)
		return err;
	if (len != nr << PAGE_SHIFT)
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
	err = vm_insert_pages(vma, vma->vm_start, pages, &nr);
	return err ? err : (nr ? -EFAULT : 0);
}

static __poll_t riptel_dev_poll(struct file *file, poll_table *wait)
{
	return riptel_ring_poll(file, wait, riptel_dev_seen(file));
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
