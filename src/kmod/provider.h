/* SPDX-License-Identifier: GPL-2.0 */
/*
 * provider.h - attach to the riptides:* tracepoints of identity provider
 * modules (include/riptides_trace.h) whenever one is loaded.
 */
#ifndef _RIPTEL_PROVIDER_H
#define _RIPTEL_PROVIDER_H

#include <linux/skbuff.h>

/*
 * Intern table and provider attach, together: the identity side of riptel
 * (its genl family, genl.c, is registered after it).  Init after the rings
 * exist; exit before they go.
 */
int riptel_identity_init(void);
void riptel_identity_exit(void);

/* Add one nested RIPTEL_A_PROVIDER per attached provider to @msg. */
int riptel_provider_fill(struct sk_buff *msg);

#endif /* _RIPTEL_PROVIDER_H */
