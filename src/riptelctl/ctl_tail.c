/* ctl_tail.c - `riptelctl tail`: read /dev/riptel directly, print records. */
#include "ctl_tail.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl_fmt.h"
#include "device.h"
#include "jsonw.h"
#include "reader.h"
#include "record.h"
#include "ring_core.h"

#define TAIL_BATCH 256
#define TAIL_POLL_MS 200
#define TAIL_LINE 1024

/*
 * Start at the head: give every slot before it back.  Pairs with the
 * producer's smp_load_acquire(&cons->tail) like any consumer release.
 */
static void skip_backlog(struct device *d)
{
	size_t i;

	for (i = 0; i < d->nr_rings; i++) {
		struct device_ring *g = &d->rings[i];
		/* pairs with smp_store_release(&prod->head) in ring_commit() */
		uint64_t head = smp_load_acquire(&g->prod->head);

		/* pairs with smp_load_acquire(&cons->tail) in ring_tail() */
		smp_store_release(&g->cons->tail, head);
	}
}

static int print_one(const struct ctl_tail_opts *o, FILE *out,
		     struct jsonw *w, const struct clock_conv *clk,
		     const struct riptel_record *r)
{
	uint64_t unix_ns = clock_to_unix_ns(clk, r->hdr.ts_ns);
	char line[TAIL_LINE];

	if (o->json) {
		jsonw_reset(w);
		record_to_json(w, r, unix_ns);	/* unknown types still print */
		if (jsonw_error(w))
			return jsonw_error(w);
		fputs(jsonw_str(w), out);
	} else {
		if (ctl_fmt_record(line, sizeof(line), r, unix_ns, o->color) >=
		    sizeof(line))
			line[sizeof(line) - 1] = '\0';
		fputs(line, out);
	}
	if (fputc('\n', out) == EOF)
		return -errno ? -errno : -EIO;
	return 0;
}

int ctl_tail_run(const struct ctl_tail_opts *o, FILE *out,
		 volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct reader_ring_desc *descs = NULL;
	struct riptel_record *batch = NULL;
	struct device_diag diag;
	struct device *d = NULL;
	struct reader *rd = NULL;
	struct clock_conv clk;
	struct pollfd pfd;
	struct jsonw w;
	uint64_t printed = 0;
	size_t i, n;
	bool last = false;
	int ret;

	jsonw_init(&w);
	ret = device_open(&d, o->device, &diag);
	if (ret == -EBUSY && diag.step == DEVICE_STEP_OPEN) {
		snprintf(err, errlen,
			 "%s is busy: riptel-agent (or another tail) is reading it, and the device has one reader at a time",
			 o->device ? o->device : DEVICE_DEFAULT_PATH);
		goto out;
	}
	if ((ret == -EACCES || ret == -EPERM) &&
	    diag.step == DEVICE_STEP_OPEN) {
		snprintf(err, errlen,
			 "permission denied: tail reads %s itself: run it as root",
			 o->device ? o->device : DEVICE_DEFAULT_PATH);
		goto out;
	}
	if (ret) {
		device_describe_error(err, errlen, o->device, ret, &diag);
		goto out;
	}
	descs = calloc(d->nr_rings, sizeof(*descs));
	batch = calloc(TAIL_BATCH, sizeof(*batch));
	if (!descs || !batch) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!o->backlog)
		skip_backlog(d);
	for (i = 0; i < d->nr_rings; i++) {
		descs[i].cpu = d->rings[i].cpu;
		descs[i].prod = d->rings[i].prod;
		descs[i].cons = d->rings[i].cons;
		descs[i].data = d->rings[i].data;
		descs[i].data_size = d->info.data_size;
	}
	ret = reader_create(&rd, descs, d->nr_rings);
	if (ret) {
		snprintf(err, errlen, "cannot set up the ring reader: %s",
			 strerror(-ret));
		goto out;
	}
	ret = clock_init(&clk, NULL, CLOCK_DEFAULT_REFRESH_NS);
	if (ret) {
		snprintf(err, errlen, "cannot read the clocks: %s",
			 strerror(-ret));
		goto out;
	}

	for (;;) {
		if (*stop)
			last = true;	/* print what is there, then end */
		clock_maybe_refresh(&clk, clock_mono_ns(&clk));
		n = reader_drain(rd, batch, TAIL_BATCH);
		for (i = 0; i < n; i++) {
			ret = print_one(o, out, &w, &clk, &batch[i]);
			if (ret)
				goto write_err;
			if (o->count && ++printed == o->count)
				goto flush;
		}
		if (n) {
			if (fflush(out) == EOF) {
				ret = -errno;
				goto write_err;
			}
			continue;
		}
		if (last)
			break;
		pfd.fd = d->fd;
		pfd.events = POLLIN;
		/* EINTR: a signal came; *stop says whether it ends us */
		poll(&pfd, 1, TAIL_POLL_MS);
	}
flush:
	if (fflush(out) == EOF) {
		ret = -errno;
		goto write_err;
	}
	ret = 0;
	goto out;

write_err:
	if (!ret)
		ret = -EIO;
	snprintf(err, errlen, "writing the output: %s", strerror(-ret));
out:
	reader_destroy(rd);
	free(batch);
	free(descs);
	device_close(d);
	jsonw_fini(&w);
	return ret;
}
