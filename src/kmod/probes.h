/* SPDX-License-Identifier: GPL-2.0 */
/* The tracepoints riptel.ko attaches to. */
#ifndef _RIPTEL_PROBES_H
#define _RIPTEL_PROBES_H

#include <linux/types.h>

int riptel_probes_attach(const char **missing);
void riptel_probes_detach(void);
/* Name of tracepoint @i (NULL past the last) and whether it is attached. */
const char *riptel_probes_tracepoint(unsigned int i, bool *attached);

#endif /* _RIPTEL_PROBES_H */
