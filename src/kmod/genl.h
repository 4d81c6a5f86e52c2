/* SPDX-License-Identifier: GPL-2.0 */
/* genl.h - riptel's generic netlink family (see uapi/riptel.h). */
#ifndef _RIPTEL_GENL_H
#define _RIPTEL_GENL_H

int riptel_genl_init(void);
void riptel_genl_exit(void);

#endif /* _RIPTEL_GENL_H */
