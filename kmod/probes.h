/* SPDX-License-Identifier: GPL-2.0 */
/* The tracepoints riptel.ko attaches to. */
#ifndef _RIPTEL_PROBES_H
#define _RIPTEL_PROBES_H

int riptel_probes_attach(const char **missing);
void riptel_probes_detach(void);

#endif /* _RIPTEL_PROBES_H */
