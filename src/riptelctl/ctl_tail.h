/* ctl_tail.h - `riptelctl tail`: read /dev/riptel directly, print records. */
#ifndef RIPTEL_CTL_TAIL_H
#define RIPTEL_CTL_TAIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct ctl_tail_opts {
	const char *device;	/* NULL: /dev/riptel */
	bool json;		/* one JSON object per line instead of text */
	bool color;		/* ANSI colours in text lines */
	bool backlog;		/* also print records already in the rings */
	uint64_t count;		/* stop after this many records; 0: never */
};

/*
 * Open the device (the one reader it allows: not while riptel-agent runs),
 * skip what the rings already hold unless @o->backlog, then print one line
 * per record to @out until *stop is set (a signal handler) or @o->count
 * records were printed; on stop, what is already in the rings is printed
 * first.  Returns 0, or -errno with a sentence in @err (opening the device,
 * or writing @out: -EPIPE when the reader of @out went away).
 */
int ctl_tail_run(const struct ctl_tail_opts *o, FILE *out,
		 volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif /* RIPTEL_CTL_TAIL_H */
