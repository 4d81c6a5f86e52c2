/* SPDX-License-Identifier: GPL-2.0 */
/* The /dev/riptel misc device. */
#ifndef _RIPTEL_DEV_H
#define _RIPTEL_DEV_H

int riptel_dev_init(void);
void riptel_dev_exit(void);

#endif /* _RIPTEL_DEV_H */
