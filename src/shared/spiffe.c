/*
 * spiffe.c - SPIFFE ID resolution over riptel's genl family, cached.
 *
 * The cache is direct-mapped on a hash of {id, gen}: a slot holds one
 * answer, positive (the string) or negative (-ESTALE, which is final for
 * that {id, gen}).  -ENOENT is not cached: an id the kernel has not issued
 * yet may be issued later.
 */
#include "spiffe.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "riptel.h"

struct spiffe_slot {
	uint32_t id;
	uint32_t gen;		/* 0: empty */
	char *str;		/* NULL: negative answer */
};

struct spiffe_resolver {
	struct spiffe_slot *slots;
	size_t nslots;
	spiffe_fetch_fn fetch;
	void *ctx;
	struct nl_sock *sock;	/* genl transport, when fetch is ours */
	int family;
	char *buf;		/* RIPTEL_SPIFFE_MAX + 1 */
	struct spiffe_stats st;
};

/* ---- genl transport ---- */

struct genl_req {
	uint32_t id, gen;
	char *buf;
	size_t len;
	int err;		/* 0, or -errno from the kernel */
	bool done;
	bool found;
};

static int genl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct genl_req *req = arg;
	struct nlattr *tb[RIPTEL_A_MAX + 1];
	const char *s;
	size_t n;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, RIPTEL_A_MAX, NULL) < 0 ||
	    !tb[RIPTEL_A_ID] || !tb[RIPTEL_A_GEN] || !tb[RIPTEL_A_SPIFFE_ID])
		return NL_SKIP;
	/* an answer for another reference is never taken */
	if (nla_get_u32(tb[RIPTEL_A_ID]) != req->id ||
	    nla_get_u32(tb[RIPTEL_A_GEN]) != req->gen)
		return NL_SKIP;
	s = nla_data(tb[RIPTEL_A_SPIFFE_ID]);
	n = strnlen(s, (size_t)nla_len(tb[RIPTEL_A_SPIFFE_ID]));
	if (n == (size_t)nla_len(tb[RIPTEL_A_SPIFFE_ID]) || n >= req->len)
		return NL_SKIP;	/* not NUL-terminated or too long */
	memcpy(req->buf, s, n + 1);
	req->found = true;
	return NL_OK;
}

static int genl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct genl_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int genl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct genl_req *req = arg;

	(void)nla;
	req->err = e->error;
	req->done = true;
	return NL_STOP;
}

static int genl_fetch(void *ctx, uint32_t id, uint32_t gen, char *buf,
		      size_t len)
{
	struct spiffe_resolver *r = ctx;
	struct genl_req req = { .id = id, .gen = gen, .buf = buf, .len = len };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int rc;

	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!msg || !cb) {
		rc = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, r->family, 0, 0,
			 RIPTEL_CMD_RESOLVE, RIPTEL_GENL_VERSION) ||
	    nla_put_u32(msg, RIPTEL_A_ID, id) < 0 ||
	    nla_put_u32(msg, RIPTEL_A_GEN, gen) < 0) {
		rc = -EMSGSIZE;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, genl_valid_cb, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, genl_ack_cb, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, genl_err_cb, &req);
	if (nl_send_auto(r->sock, msg) < 0) {
		rc = -EIO;
		goto out;
	}
	while (!req.done) {
		if (nl_recvmsgs(r->sock, cb) < 0 && !req.done) {
			rc = -EIO;
			goto out;
		}
	}
	if (req.err)
		rc = req.err;
	else
		rc = req.found ? 0 : -EPROTO;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return rc;
}

/* ---- resolver ---- */

static struct spiffe_resolver *resolver_alloc(size_t cache_entries)
{
	struct spiffe_resolver *r;

	if (!cache_entries) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->slots = calloc(cache_entries, sizeof(*r->slots));
	r->buf = malloc(RIPTEL_SPIFFE_MAX + 1);
	if (!r->slots || !r->buf) {
		spiffe_resolver_free(r);
		errno = ENOMEM;
		return NULL;
	}
	r->nslots = cache_entries;
	return r;
}

struct spiffe_resolver *spiffe_resolver_new_fetch(size_t cache_entries,
						  spiffe_fetch_fn fetch,
						  void *ctx)
{
	struct spiffe_resolver *r;

	if (!fetch) {
		errno = EINVAL;
		return NULL;
	}
	r = resolver_alloc(cache_entries);
	if (!r)
		return NULL;
	r->fetch = fetch;
	r->ctx = ctx;
	return r;
}

struct spiffe_resolver *spiffe_resolver_new(size_t cache_entries)
{
	struct spiffe_resolver *r = resolver_alloc(cache_entries);
	int err;

	if (!r)
		return NULL;
	r->sock = nl_socket_alloc();
	if (!r->sock) {
		err = ENOMEM;
		goto fail;
	}
	if (genl_connect(r->sock) < 0) {
		err = EIO;
		goto fail;
	}
	r->family = genl_ctrl_resolve(r->sock, RIPTEL_GENL_NAME);
	if (r->family < 0) {
		err = ENOENT;
		goto fail;
	}
	r->fetch = genl_fetch;
	r->ctx = r;
	return r;
fail:
	spiffe_resolver_free(r);
	errno = err;
	return NULL;
}

void spiffe_resolver_free(struct spiffe_resolver *r)
{
	size_t i;

	if (!r)
		return;
	if (r->slots) {
		for (i = 0; i < r->nslots; i++)
			free(r->slots[i].str);
	}
	free(r->slots);
	free(r->buf);
	if (r->sock)
		nl_socket_free(r->sock);
	free(r);
}

static size_t slot_of(const struct spiffe_resolver *r, uint32_t id,
		      uint32_t gen)
{
	uint64_t h = ((uint64_t)id << 32 | gen) * 0x9e3779b97f4a7c15ULL;

	return (size_t)(h >> 32) % r->nslots;
}

const char *spiffe_resolve(void *arg, uint32_t id, uint32_t gen)
{
	struct spiffe_resolver *r = arg;
	struct spiffe_slot *s;
	char *copy;
	int rc;

	if (!r || (id == 0 && gen == 0))
		return NULL;
	if (id == 0 || gen == 0) {
		r->st.unknown++;
		return NULL;
	}
	s = &r->slots[slot_of(r, id, gen)];
	if (s->gen == gen && s->id == id) {
		r->st.hits++;
		if (!s->str)
			r->st.unknown++;
		return s->str;
	}
	r->st.fetches++;
	rc = r->fetch(r->ctx, id, gen, r->buf, RIPTEL_SPIFFE_MAX + 1);
	if (rc == 0 && memchr(r->buf, '\0', RIPTEL_SPIFFE_MAX + 1)) {
		copy = strdup(r->buf);
		if (!copy) {
			r->st.unknown++;
			return NULL;
		}
	} else if (rc == -ESTALE) {
		copy = NULL;
	} else {
		if (rc != -ENOENT)
			r->st.errors++;
		r->st.unknown++;
		return NULL;
	}
	free(s->str);
	s->id = id;
	s->gen = gen;
	s->str = copy;
	if (!copy)
		r->st.unknown++;
	return copy;
}

const char *spiffe_resolve_name(struct spiffe_resolver *r, uint32_t id,
				uint32_t gen)
{
	const char *s = spiffe_resolve(r, id, gen);

	return s ? s : SPIFFE_UNKNOWN;
}

void spiffe_stats(const struct spiffe_resolver *r, struct spiffe_stats *st)
{
	if (r)
		*st = r->st;
	else
		memset(st, 0, sizeof(*st));
}
