/* test_capture.c - capture files: round trip, version checks, damage. */
#include <byteswap.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "pipeline.h"

static char dir[] = "/tmp/riptel-capture-XXXXXX";
static char path[512];

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.rcap", dir);
}

static void teardown(void)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/t.rcap", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/v.rcap", dir);
	unlink(p);
	rmdir(dir);
	strcpy(dir, "/tmp/riptel-capture-XXXXXX");
}

static uint8_t *slurp(const char *p, size_t *n)
{
	FILE *f = fopen(p, "rb");
	uint8_t *buf;
	long len;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc(len ? (size_t)len : 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

/* Write @n bytes of @buf as the variant file; returns its path. */
static const char *variant(const uint8_t *buf, size_t n)
{
	static char v[600];
	FILE *f;

	snprintf(v, sizeof(v), "%s/v.rcap", dir);
	f = fopen(v, "wb");
	ck_assert_ptr_nonnull(f);
	if (n)
		ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	return v;
}

static struct riptel_record mkrec(uint16_t type, uint16_t cpu, uint64_t seq,
				  uint64_t ts)
{
	struct riptel_record r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = type;
	r.hdr.size = RIPTEL_RECORD_SIZE;
	r.hdr.cpu = cpu;
	r.hdr.seq = seq;
	r.hdr.ts_ns = ts;
	r.hdr.pid = r.hdr.tgid = 100 + (uint32_t)seq;
	return r;
}

static struct riptel_record mkdecision(uint64_t seq, uint64_t ts,
				       uint32_t lid, uint32_t pid)
{
	struct riptel_record r = mkrec(RIPTEL_REC_POLICY_DECISION, 0, seq, ts);

	r.decision.sock_cookie = 42;
	r.decision.local_id = (struct riptel_spiffe_ref){ lid, 1 };
	r.decision.peer_id = (struct riptel_spiffe_ref){ pid, 1 };
	r.decision.decision = RIPTEL_DECISION_DENY;
	return r;
}

struct fake_ids {
	unsigned calls;
};

static const char *fake_resolve(void *ctx, uint32_t id, uint32_t gen)
{
	static char s[64];
	struct fake_ids *f = ctx;

	f->calls++;
	if (id == 99)
		return NULL;	/* unknown to the kernel */
	snprintf(s, sizeof(s), "spiffe://example.org/w%u/g%u", id, gen);
	return s;
}

static struct capture_info test_info(void)
{
	struct capture_info info;

	memset(&info, 0, sizeof(info));
	ck_assert_int_eq(capture_info_local(&info), 0);
	info.nr_cpus = 2;
	return info;
}

START_TEST(test_round_trip)
{
	struct capture_info info = test_info();
	struct capture_cpu_counters c[2] = {
		{ .cpu = 0, .written = 300, .dropped = 7 },
		{ .cpu = 1, .written = 5, .dropped = 0 },
	};
	const struct capture_cpu_counters *rc;
	struct fake_ids fi = { 0 };
	struct capture_writer *w;
	struct capture_reader *r;
	struct capture_item it;
	struct riptel_record rec;
	char err[256];
	uint64_t seq, last_pace = 0;
	size_t n, nids = 0, nrecs = 0;
	int ret;

	ck_assert_int_eq(capture_open_write(path, &info, &w), 0);
	capture_set_resolver(w, fake_resolve, &fi);
	/* 200 records: more than one record chunk; ts goes back on cpu 1 */
	for (seq = 0; seq < 200; seq++) {
		if (seq % 50 == 10)
			rec = mkdecision(seq, 1000 + seq * 10,
					 1 + (uint32_t)(seq / 50), 99);
		else
			rec = mkrec(RIPTEL_REC_TEST, seq & 1, seq,
				    1000 + seq * 10 - (seq & 1) * 5);
		ck_assert_int_eq(capture_write_record(w, &rec), 0);
	}
	/* the same reference again: no second identity, no second lookup */
	rec = mkdecision(200, 3000, 1, 0);
	ck_assert_int_eq(capture_write_record(w, &rec), 0);
	ck_assert(capture_has_identity(w, 1, 1));
	ck_assert(!capture_has_identity(w, 99, 1));
	ck_assert_uint_eq(capture_records_written(w), 201);
	ck_assert_int_eq(capture_write_trailer(w, c, 2), 0);
	ck_assert_int_eq(capture_write_record(w, &rec), -EINVAL);
	ck_assert_int_eq(capture_close(w), 0);
	/* 4 distinct local ids + 99 asked each time it was not found */
	ck_assert_uint_eq(fi.calls, 8);

	ck_assert_int_eq(capture_open_read(path, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(capture_reader_info(r)->abi_version,
			  RIPTEL_ABI_VERSION);
	ck_assert_uint_eq(capture_reader_info(r)->nr_cpus, 2);
	ck_assert_int_eq(capture_reader_info(r)->mono_to_real_ns,
			 info.mono_to_real_ns);
	ck_assert_str_eq(capture_reader_info(r)->hostname, info.hostname);
	ck_assert_str_eq(capture_reader_info(r)->kernel_release,
			 info.kernel_release);
	ck_assert_ptr_null(capture_resolve(r, 1, 1));
	while ((ret = capture_next(r, &it)) == 1) {
		if (it.type == CAPTURE_ITEM_IDENTITY) {
			char want[64];

			nids++;
			snprintf(want, sizeof(want),
				 "spiffe://example.org/w%u/g%u", it.id, it.gen);
			ck_assert_str_eq(it.spiffe_id, want);
			/* defined before the record that needs it */
			ck_assert_uint_eq(nrecs % 50, 10);
			continue;
		}
		ck_assert_uint_eq(it.type, CAPTURE_ITEM_RECORD);
		ck_assert_uint_eq(it.rec.hdr.seq, nrecs);
		if (it.rec.hdr.type == RIPTEL_REC_POLICY_DECISION)
			ck_assert_ptr_nonnull(capture_resolve(
				r, it.rec.decision.local_id.id,
				it.rec.decision.local_id.gen));
		ck_assert_uint_ge(it.pace_ns, last_pace);
		last_pace = it.pace_ns;
		nrecs++;
	}
	ck_assert_int_eq(ret, 0);
	ck_assert_uint_eq(nrecs, 201);
	ck_assert_uint_eq(nids, 4);
	ck_assert_uint_eq(last_pace, 2000);
	ck_assert_ptr_null(capture_resolve(r, 99, 1));
	ck_assert_ptr_null(capture_resolve(r, 0, 0));
	ck_assert_str_eq(capture_resolve(r, 4, 1), "spiffe://example.org/w4/g1");
	ck_assert(capture_clean(r));
	rc = capture_counters(r, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(rc[0].written, 300);
	ck_assert_uint_eq(rc[0].dropped, 7);
	ck_assert_uint_eq(rc[1].cpu, 1);
	ck_assert_ptr_null(capture_error(r));
	ck_assert_int_eq(capture_next(r, &it), 0);	/* stays at the end */
	capture_close_read(r);
	capture_close_read(NULL);
	ck_assert_int_eq(capture_close(NULL), 0);
}
END_TEST

START_TEST(test_identity_rules)
{
	struct capture_info info = test_info();
	struct capture_writer *w;
	char big[RIPTEL_SPIFFE_MAX + 2];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(capture_open_write(path, &info, &w), 0);
	ck_assert_int_eq(capture_write_identity(w, 0, 1, "spiffe://a/b"),
			 -EINVAL);
	ck_assert_int_eq(capture_write_identity(w, 1, 1, ""), -EINVAL);
	ck_assert_int_eq(capture_write_identity(w, 1, 1, NULL), -EINVAL);
	ck_assert_int_eq(capture_write_identity(w, 1, 1, big), -EINVAL);
	big[RIPTEL_SPIFFE_MAX] = '\0';	/* exactly the maximum is fine */
	ck_assert_int_eq(capture_write_identity(w, 1, 1, big), 0);
	ck_assert_int_eq(capture_write_identity(w, 1, 2, "spiffe://a/c"), 0);
	ck_assert(capture_has_identity(w, 1, 2));
	ck_assert(!capture_has_identity(w, 1, 3));
	ck_assert_int_eq(capture_close(w), 0);
	/* not a writable place */
	ck_assert_int_eq(capture_open_write("/nonexistent/dir/x.rcap", &info,
					    &w), -ENOENT);
	ck_assert_ptr_null(w);
}
END_TEST

/* The refs a record carries, in order, {0,0} left out. */
START_TEST(test_record_refs)
{
	struct riptel_spiffe_ref refs[2];
	struct riptel_record r = mkdecision(1, 1, 0, 7);

	ck_assert_uint_eq(capture_record_refs(&r, refs), 1);
	ck_assert_uint_eq(refs[0].id, 7);
	r = mkdecision(1, 1, 3, 7);
	ck_assert_uint_eq(capture_record_refs(&r, refs), 2);
	ck_assert_uint_eq(refs[0].id, 3);
	ck_assert_uint_eq(refs[1].id, 7);
	r = mkrec(RIPTEL_REC_CONN_INTERCEPT, 0, 1, 1);
	ck_assert_uint_eq(capture_record_refs(&r, refs), 0);
	r.conn.local_id = (struct riptel_spiffe_ref){ 5, 2 };
	ck_assert_uint_eq(capture_record_refs(&r, refs), 1);
	ck_assert_uint_eq(refs[0].gen, 2);
	r = mkrec(RIPTEL_REC_EXEC, 0, 1, 1);
	ck_assert_uint_eq(capture_record_refs(&r, refs), 0);
}
END_TEST

/* Where each item of the small file ends, walked independently of the
 * reader from the documented layout. */
struct layout {
	size_t ends[64];	/* end offset of each whole item */
	size_t nitems;
	size_t bounds[16];	/* chunk starts, and the file end */
	size_t nbounds;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void walk(const uint8_t *buf, size_t n, struct layout *l)
{
	size_t off = CAPTURE_HEADER_SIZE, i;

	memset(l, 0, sizeof(*l));
	l->bounds[l->nbounds++] = off;
	while (off < n) {
		uint32_t type = rd32(buf + off), len = rd32(buf + off + 4);

		if (type == CAPTURE_CHUNK_RECORDS)
			for (i = 1; i <= len / RIPTEL_RECORD_SIZE; i++)
				l->ends[l->nitems++] = off + 8 +
					i * RIPTEL_RECORD_SIZE;
		else if (type == CAPTURE_CHUNK_IDENTITY)
			l->ends[l->nitems++] = off + 8 + len;
		off += 8 + len;
		l->bounds[l->nbounds++] = off;
	}
	ck_assert_uint_eq(off, n);
}

static void write_small(void)
{
	struct capture_info info = test_info();
	struct capture_cpu_counters c[2] = { { 0, 4, 1 }, { 1, 1, 0 } };
	struct capture_writer *w;
	struct riptel_record rec;

	ck_assert_int_eq(capture_open_write(path, &info, &w), 0);
	ck_assert_int_eq(capture_write_identity(w, 1, 1, "spiffe://t/a"), 0);
	rec = mkdecision(0, 10, 1, 0);
	ck_assert_int_eq(capture_write_record(w, &rec), 0);
	rec = mkrec(RIPTEL_REC_TEST, 1, 1, 20);
	ck_assert_int_eq(capture_write_record(w, &rec), 0);
	rec = mkrec(RIPTEL_REC_EXEC, 0, 2, 30);
	ck_assert_int_eq(capture_write_record(w, &rec), 0);
	ck_assert_int_eq(capture_write_identity(w, 2, 1, "spiffe://t/b"), 0);
	rec = mkdecision(3, 40, 2, 1);
	ck_assert_int_eq(capture_write_record(w, &rec), 0);
	ck_assert_int_eq(capture_write_trailer(w, c, 2), 0);
	ck_assert_int_eq(capture_close(w), 0);
}

static bool is_bound(const struct layout *l, size_t len)
{
	size_t i;

	for (i = 0; i < l->nbounds; i++)
		if (l->bounds[i] == len)
			return true;
	return false;
}

START_TEST(test_truncation_every_offset)
{
	struct capture_reader *r;
	struct capture_item it;
	struct layout l;
	uint8_t *buf;
	size_t n, len, want, got, last;
	char err[256];
	int ret;

	write_small();
	buf = slurp(path, &n);
	walk(buf, n, &l);
	ck_assert_uint_eq(l.nitems, 6);	/* 2 identities, 4 records */
	for (len = 0; len < n; len++) {
		ret = capture_open_read(variant(buf, len), &r, err, sizeof(err));
		if (len < CAPTURE_HEADER_SIZE) {
			ck_assert_msg(ret == -ENODATA, "len %zu: %d", len, ret);
			ck_assert_ptr_nonnull(strstr(err, len ? "cut short" :
						     "empty"));
			ck_assert_ptr_null(r);
			continue;
		}
		ck_assert_int_eq(ret, 0);
		for (want = 0; want < l.nitems && l.ends[want] <= len; want++)
			;
		last = want ? l.ends[want - 1] : CAPTURE_HEADER_SIZE;
		got = 0;
		while ((ret = capture_next(r, &it)) == 1)
			got++;
		ck_assert_msg(got == want, "len %zu: %zu items, want %zu",
			      len, got, want);
		ck_assert(!capture_clean(r));
		if (is_bound(&l, len)) {
			/* ends between chunks: whole, but no trailer */
			ck_assert_msg(ret == 0, "len %zu: %d", len, ret);
		} else {
			ck_assert_msg(ret == -ENODATA, "len %zu: %d", len, ret);
			ck_assert_uint_eq(capture_bytes_ignored(r), len - last);
			ck_assert_ptr_nonnull(strstr(capture_error(r),
						     "bytes after the last"));
			/* sticky */
			ck_assert_int_eq(capture_next(r, &it), -ENODATA);
		}
		capture_close_read(r);
	}
	free(buf);
}
END_TEST

static int open_variant(const uint8_t *buf, size_t n, char *err,
			size_t errlen)
{
	struct capture_reader *r = NULL;
	int ret = capture_open_read(variant(buf, n), &r, err, errlen);

	capture_close_read(r);
	return ret;
}

START_TEST(test_versions)
{
	uint8_t *buf;
	size_t n;
	uint32_t v;
	char err[256];

	write_small();
	buf = slurp(path, &n);
	/* ABI */
	v = RIPTEL_ABI_VERSION + 1;
	memcpy(buf + 20, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	{
		char want[128];

		snprintf(want, sizeof(want), "capture made with riptel ABI %u,"
			 " this agent reads ABI 1 to %u", v, RIPTEL_ABI_VERSION);
		ck_assert_msg(strstr(err, want), "%s", err);
	}
	v = 0;
	memcpy(buf + 20, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	/* ABI 1's records are ABI 2's with the new fields zero: readable */
	v = 1;
	memcpy(buf + 20, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)), 0);
	v = RIPTEL_ABI_VERSION;
	memcpy(buf + 20, &v, 4);
	/* record size */
	v = 256;
	memcpy(buf + 24, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "256 bytes"));
	v = RIPTEL_RECORD_SIZE;
	memcpy(buf + 24, &v, 4);
	/* format */
	v = CAPTURE_FORMAT_VERSION + 1;
	memcpy(buf + 12, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	ck_assert_ptr_nonnull(strstr(err, "format 2"));
	v = CAPTURE_FORMAT_VERSION;
	memcpy(buf + 12, &v, 4);
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)), 0);
	free(buf);
}
END_TEST

/* A capture from a host of the other byte order: every header word
 * swapped.  And other file formats' magic. */
START_TEST(test_foreign)
{
	static const uint8_t pcap[] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 };
	uint8_t *buf;
	size_t n, i;
	uint32_t v;
	char err[256];

	write_small();
	buf = slurp(path, &n);
	for (i = 8; i < 32; i += 4) {
		memcpy(&v, buf + i, 4);
		v = bswap_32(v);
		memcpy(buf + i, &v, 4);
	}
	ck_assert_int_eq(open_variant(buf, n, err, sizeof(err)),
			 -EPROTONOSUPPORT);
	ck_assert_msg(strstr(err, "big-endian host") ||
		      strstr(err, "little-endian host"), "%s", err);
	ck_assert_int_eq(open_variant(pcap, sizeof(pcap), err, sizeof(err)),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "not a riptel capture"));
	ck_assert_int_eq(open_variant((const uint8_t *)"RIPTCAX\0", 8, err,
				      sizeof(err)), -EBADMSG);
	/* nothing there */
	ck_assert_int_eq(capture_open_read("/nonexistent.rcap",
					   &(struct capture_reader *){ NULL },
					   err, sizeof(err)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	free(buf);
}
END_TEST

/* Drain @path's items; returns the final capture_next() value. */
static int read_all(const char *p, size_t *items)
{
	struct capture_reader *r;
	struct capture_item it;
	char err[256];
	int ret;

	*items = 0;
	ret = capture_open_read(p, &r, err, sizeof(err));
	if (ret)
		return ret;
	while ((ret = capture_next(r, &it)) == 1)
		(*items)++;
	if (ret)
		ck_assert_ptr_nonnull(capture_error(r));
	capture_close_read(r);
	return ret;
}

START_TEST(test_garbage)
{
	uint8_t *buf, *g;
	size_t n, items, i, len;
	unsigned seed = 1;
	int ret;

	/* random bytes, with and without a valid magic in front */
	g = malloc(4096);
	ck_assert_ptr_nonnull(g);
	for (i = 0; i < 200; i++) {
		len = 1 + (size_t)rand_r(&seed) % 4096;
		for (size_t j = 0; j < len; j++)
			g[j] = (uint8_t)rand_r(&seed);
		if (g[0] == 'R')	/* a cut-short magic is -ENODATA */
			g[0] = 'r';
		ret = read_all(variant(g, len), &items);
		ck_assert_int_eq(ret, -EBADMSG);
	}
	free(g);

	write_small();
	buf = slurp(path, &n);
	/* a record's size field: offset of the first record chunk's first
	 * record is header + identity chunk (8 + 8 + 12) + chunk header */
	{
		size_t rec0 = CAPTURE_HEADER_SIZE + 28 + 8;
		uint16_t sz = 64;
		uint8_t save[2];

		memcpy(save, buf + rec0 + 2, 2);
		memcpy(buf + rec0 + 2, &sz, 2);
		ck_assert_int_eq(read_all(variant(buf, n), &items), -EBADMSG);
		ck_assert_uint_eq(items, 1);	/* the identity before it */
		memcpy(buf + rec0 + 2, save, 2);
	}
	/* an unknown mandatory chunk type */
	{
		uint32_t t = 77, save;

		memcpy(&save, buf + CAPTURE_HEADER_SIZE, 4);
		memcpy(buf + CAPTURE_HEADER_SIZE, &t, 4);
		ck_assert_int_eq(read_all(variant(buf, n), &items), -EBADMSG);
		ck_assert_uint_eq(items, 0);
		memcpy(buf + CAPTURE_HEADER_SIZE, &save, 4);
	}
	/* a record chunk whose length is not whole records */
	{
		size_t c = CAPTURE_HEADER_SIZE + 28;
		uint32_t bad = 100, save;

		memcpy(&save, buf + c + 4, 4);
		memcpy(buf + c + 4, &bad, 4);
		ck_assert_int_eq(read_all(variant(buf, n), &items), -EBADMSG);
		ck_assert_uint_eq(items, 1);
		memcpy(buf + c + 4, &save, 4);
	}
	/* data after the trailer */
	{
		uint8_t *more = malloc(n + 8);

		ck_assert_ptr_nonnull(more);
		memcpy(more, buf, n);
		memset(more + n, 0, 8);
		ck_assert_int_eq(read_all(variant(more, n + 8), &items),
				 -EBADMSG);
		ck_assert_uint_eq(items, 6);
		free(more);
	}
	/* the trailer's record count disagrees (a chunk went missing) */
	{
		size_t t = n - (8 + 24 + 2 * 24);
		uint64_t recs;

		memcpy(&recs, buf + t + 8, 8);
		ck_assert_uint_eq(recs, 4);
		recs = 5;
		memcpy(buf + t + 8, &recs, 8);
		ck_assert_int_eq(read_all(variant(buf, n), &items), -EBADMSG);
		ck_assert_uint_eq(items, 6);
	}
	free(buf);
}
END_TEST

/* Optional chunk types (>= 0x8000) of a newer writer are skipped. */
START_TEST(test_optional_chunk)
{
	uint8_t *buf, *more;
	size_t n, items, t;
	uint32_t h[2] = { CAPTURE_CHUNK_OPTIONAL | 5, 10 };

	write_small();
	buf = slurp(path, &n);
	t = n - (8 + 24 + 2 * 24);	/* the trailer's offset */
	more = malloc(n + 18);
	ck_assert_ptr_nonnull(more);
	memcpy(more, buf, t);
	memcpy(more + t, h, 8);
	memset(more + t + 8, 0xee, 10);
	memcpy(more + t + 18, buf + t, n - t);
	ck_assert_int_eq(read_all(variant(more, n + 18), &items), 0);
	ck_assert_uint_eq(items, 6);
	/* cut inside it: the count of ignored bytes includes its header */
	{
		struct capture_reader *r;
		struct capture_item it;
		char err[256];

		ck_assert_int_eq(capture_open_read(variant(more, t + 12), &r,
						   err, sizeof(err)), 0);
		while (capture_next(r, &it) == 1)
			;
		ck_assert_int_eq(capture_next(r, &it), -ENODATA);
		ck_assert_uint_eq(capture_bytes_ignored(r), 12);
		capture_close_read(r);
	}
	free(more);
	free(buf);
}
END_TEST

/* As a pipeline sink: every record lands in the file, closed by fini. */
START_TEST(test_sink)
{
	struct capture_info info = test_info();
	struct capture_writer *w;
	struct pipeline p;
	struct sink s;
	struct riptel_record rec;
	size_t items;
	uint64_t i;

	ck_assert_int_eq(capture_open_write(path, &info, &w), 0);
	pipeline_init(&p);
	capture_sink(&s, w);
	ck_assert_int_eq(pipeline_add(&p, &s), 0);
	for (i = 0; i < 70; i++) {
		rec = mkrec(RIPTEL_REC_TEST, 0, i, i);
		ck_assert_int_eq(pipeline_record(&p, &rec, i), 0);
	}
	pipeline_fini(&p);
	ck_assert_int_eq(read_all(path, &items), 0);
	ck_assert_uint_eq(items, 70);
}
END_TEST

/*
 * The shipped sample (tests/fixtures/make_sample_capture.c, or a real VM
 * run) must stay readable by this agent: regenerate it when the ABI moves.
 * Only invariants of any capture are checked, so a new one drops in.
 */
/*
 * The capture from a real VM run (`make demo` on Debian 6.12; refresh with
 * cp build/demo/6.12/demo.rcap tests/fixtures/vm-demo-6.12.rcap): it must
 * still open with this agent's ABI, have ended cleanly, and resolve the
 * SPIFFE IDs its identity records reference.
 */
START_TEST(test_shipped_vm_capture)
{
	struct riptel_spiffe_ref refs[2];
	struct capture_reader *r;
	struct capture_item it;
	size_t n, i, records = 0, refs_seen = 0, resolved = 0;
	char err[256];
	int ret;

	ret = capture_open_read("tests/fixtures/vm-demo-6.12.rcap", &r, err,
				sizeof(err));
	ck_assert_msg(ret == 0, "%s (refresh it from `make demo`)", err);
	while ((ret = capture_next(r, &it)) == 1) {
		if (it.type != CAPTURE_ITEM_RECORD)
			continue;
		records++;
		n = capture_record_refs(&it.rec, refs);
		for (i = 0; i < n; i++) {
			refs_seen++;
			resolved += !!capture_resolve(r, refs[i].id,
						      refs[i].gen);
		}
	}
	ck_assert_msg(ret == 0, "%s", capture_error(r));
	ck_assert(capture_clean(r));
	ck_assert_uint_gt(records, 100);
	ck_assert_uint_gt(refs_seen, 0);
	ck_assert_uint_eq(resolved, refs_seen);
	capture_close_read(r);
}
END_TEST

START_TEST(test_shipped_sample)
{
	uint64_t per_cpu[2] = { 0 }, gaps[2] = { 0 }, last[2] = { 0 };
	const struct capture_cpu_counters *c;
	struct capture_reader *r;
	struct capture_item it;
	struct riptel_spiffe_ref refs[2];
	size_t n, i, records = 0, resolved = 0;
	char err[256];
	int ret;

	ret = capture_open_read("tests/fixtures/sample.rcap", &r, err,
				sizeof(err));
	ck_assert_msg(ret == 0, "%s (regenerate: see "
		      "tests/fixtures/make_sample_capture.c)", err);
	ck_assert_uint_ge(capture_reader_info(r)->nr_cpus, 1);
	while ((ret = capture_next(r, &it)) == 1) {
		uint16_t cpu;

		if (it.type != CAPTURE_ITEM_RECORD)
			continue;
		records++;
		n = capture_record_refs(&it.rec, refs);
		for (i = 0; i < n; i++)
			resolved += !!capture_resolve(r, refs[i].id,
						      refs[i].gen);
		cpu = it.rec.hdr.cpu;
		if (cpu >= 2)
			continue;
		if (per_cpu[cpu] && it.rec.hdr.seq > last[cpu] + 1)
			gaps[cpu] += it.rec.hdr.seq - last[cpu] - 1;
		last[cpu] = it.rec.hdr.seq;
		per_cpu[cpu]++;
	}
	ck_assert_msg(ret == 0, "%s", capture_error(r));
	ck_assert(capture_clean(r));
	ck_assert_uint_gt(records, 0);
	ck_assert_uint_gt(resolved, 0);
	c = capture_counters(r, &n);
	for (i = 0; i < n; i++) {
		if (c[i].cpu >= 2)
			continue;
		ck_assert_uint_le(per_cpu[c[i].cpu], c[i].written);
		ck_assert_uint_le(gaps[c[i].cpu], c[i].dropped);
	}
	capture_close_read(r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("capture");

	/* in the parent: the directory goes even when a test fails */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_identity_rules);
	tcase_add_test(tc, test_record_refs);
	tcase_add_test(tc, test_truncation_every_offset);
	tcase_add_test(tc, test_versions);
	tcase_add_test(tc, test_foreign);
	tcase_add_test(tc, test_garbage);
	tcase_add_test(tc, test_optional_chunk);
	tcase_add_test(tc, test_sink);
	tcase_add_test(tc, test_shipped_sample);
	tcase_add_test(tc, test_shipped_vm_capture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
