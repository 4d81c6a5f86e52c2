/* ctl_fmt.h - riptelctl's output: status tables, JSON, live record lines. */
#ifndef RIPTEL_CTL_FMT_H
#define RIPTEL_CTL_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_nl.h"
#include "jsonw.h"
#include "riptel.h"

/* Everything `riptelctl status` shows. */
struct ctl_report {
	const struct ctl_status *status;
	const struct ctl_config *config;
	const struct ctl_ring *rings;
	size_t nr_rings;
};

/* The human tables.  Returns 0 or -EIO if writing @f failed. */
int ctl_fmt_status_text(FILE *f, const struct ctl_report *r);

/* One JSON object (no newline).  0 or the writer's error. */
int ctl_fmt_status_json(struct jsonw *w, const struct ctl_report *r);

/*
 * One readable line (no newline) for a record seen by `riptelctl tail`:
 * local time, CPU, type, process and the type's fields.  Text from the
 * record (comm, file names) is printed byte-safe: anything but printable
 * ASCII becomes \xNN, so a record cannot send escape sequences to the
 * terminal.  @color adds ANSI colours.  Always NUL-terminates; returns the
 * length it wanted (like snprintf), so >= @len means cut short.
 */
size_t ctl_fmt_record(char *buf, size_t len, const struct riptel_record *r,
		      uint64_t unix_ns, bool color);

#endif /* RIPTEL_CTL_FMT_H */
