/* ring_fixture.h - a riptel ring in user-space memory, for tests and benches. */
#ifndef RIPTEL_RING_FIXTURE_H
#define RIPTEL_RING_FIXTURE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ring_core.h"
#include "reader.h"

/*
 * The three regions the module maps, allocated separately so a sanitizer
 * catches any access outside the data area; the producer side is
 * ring_core.h's, exactly as the module runs it.
 */
struct fring {
	struct riptel_prod_page *prod;
	struct riptel_cons_page *cons;
	uint8_t *data;
	uint64_t size;
	struct ring r;
};

static inline int fring_init(struct fring *f, uint32_t cpu, uint64_t size)
{
	memset(f, 0, sizeof(*f));
	f->prod = aligned_alloc(4096, 4096);
	f->cons = aligned_alloc(4096, 4096);
	f->data = malloc(size);
	if (!f->prod || !f->cons || !f->data) {
		free(f->prod);
		free(f->cons);
		free(f->data);
		return -1;
	}
	memset(f->prod, 0, 4096);
	memset(f->cons, 0, 4096);
	memset(f->data, 0, size);
	f->size = size;
	ring_init(&f->r, f->prod, f->cons, f->data, size, cpu);
	return 0;
}

static inline void fring_fini(struct fring *f)
{
	free(f->prod);
	free(f->cons);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

static inline struct reader_ring_desc fring_desc(const struct fring *f)
{
	return (struct reader_ring_desc){
		.cpu = f->r.cpu, .prod = f->prod, .cons = f->cons,
		.data = f->data, .data_size = f->size,
	};
}

/* Fill every byte after ring_reserve() with the test pattern. */
static inline void fring_fill_test(struct riptel_record *rec,
				   uint32_t source)
{
	uint32_t i;

	rec->hdr.flags = 0;
	rec->hdr.pid = source;
	rec->hdr.tgid = source;
	rec->hdr.ts_ns = rec->hdr.seq;
	rec->test.source = source;
	rec->test.reserved0 = 0;
	for (i = 0; i < 11; i++)
		rec->test.words[i] = riptel_test_word(rec->hdr.seq, i);
}

/* One RIPTEL_REC_TEST record; returns its seq, or -1 if it was dropped. */
static inline int64_t fring_put_test(struct fring *f, uint32_t source)
{
	struct riptel_record *rec = ring_reserve(&f->r, RIPTEL_REC_TEST, 0, NULL);
	int64_t seq;

	if (!rec)
		return -1;
	fring_fill_test(rec, source);
	seq = (int64_t)rec->hdr.seq;
	ring_commit(&f->r);
	return seq;
}

/* true if @rec is a whole test record from ring @cpu written by @source. */
static inline bool fring_test_ok(const struct riptel_record *rec,
				 uint32_t cpu, uint32_t source)
{
	uint32_t i;

	if (rec->hdr.type != RIPTEL_REC_TEST ||
	    rec->hdr.size != RIPTEL_RECORD_SIZE || rec->hdr.cpu != cpu ||
	    rec->hdr.pid != source || rec->hdr.tgid != source ||
	    rec->hdr.ts_ns != rec->hdr.seq || rec->test.source != source)
		return false;
	for (i = 0; i < 11; i++)
		if (rec->test.words[i] != riptel_test_word(rec->hdr.seq, i))
			return false;
	return true;
}

#endif /* RIPTEL_RING_FIXTURE_H */
