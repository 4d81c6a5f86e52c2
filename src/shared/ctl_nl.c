/*
 * ctl_nl.c - riptelctl's client of the "riptel" generic netlink family:
 * status, record control, ring counters and the identity table.
 *
 * Replies are parsed defensively: a short attribute or an unterminated
 * string fails the request with -EPROTO; attributes this version does not
 * know are skipped, so a newer module still answers an older riptelctl.
 */
#include "ctl_nl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

struct ctl_nl {
	struct nl_sock *sock;
	int family;
};

/* One request in flight: how replies are taken and how it ended. */
struct xact {
	int (*fn)(void *arg, struct nlattr *head, int len);
	void *arg;
	int err;		/* the kernel's -errno, or 0 */
	int parse_err;		/* the first error fn returned */
	bool done;
};

int ctl_nl_open(struct ctl_nl **out)
{
	struct ctl_nl *c;
	int ret;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sock = nl_socket_alloc();
	if (!c->sock) {
		ret = -ENOMEM;
		goto err_free;
	}
	if (genl_connect(c->sock) < 0) {
		ret = -EIO;
		goto err_free;
	}
	c->family = genl_ctrl_resolve(c->sock, RIPTEL_GENL_NAME);
	if (c->family < 0) {
		ret = -ENOENT;
		goto err_free;
	}
	*out = c;
	return 0;

err_free:
	ctl_nl_close(c);
	return ret;
}

void ctl_nl_close(struct ctl_nl *c)
{
	if (!c)
		return;
	if (c->sock)
		nl_socket_free(c->sock);
	free(c);
}

static int valid_cb(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));
	int rc;

	if (!x->fn || x->parse_err)
		return NL_OK;
	rc = x->fn(x->arg, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0));
	if (rc)
		x->parse_err = rc;
	return NL_OK;
}

static int done_cb(struct nl_msg *msg, void *arg)
{
	struct xact *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct xact *x = arg;

	(void)nla;
	x->err = e->error;
	x->done = true;
	return NL_STOP;
}

/*
 * Send @msg (taking it) and feed every reply to @fn until the ACK, the end
 * of the dump or an error.
 */
static int transact(struct ctl_nl *c, struct nl_msg *msg,
		    int (*fn)(void *, struct nlattr *, int), void *arg)
{
	struct xact x = { .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int ret = 0;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb) {
		ret = -ENOMEM;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, valid_cb, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, done_cb, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, done_cb, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, err_cb, &x);
	if (nl_send_auto(c->sock, msg) < 0) {
		ret = -EIO;
		goto out;
	}
	while (!x.done) {
		if (nl_recvmsgs(c->sock, cb) < 0 && !x.done) {
			ret = -EIO;
			goto out;
		}
	}
	if (x.err)
		ret = x.err;
	else if (x.parse_err)
		ret = x.parse_err;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}

static struct nl_msg *new_msg(struct ctl_nl *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			 cmd, RIPTEL_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* ---- attribute readers: -EPROTO when the payload is short ---- */

static int get_u8(struct nlattr *a, bool *out)
{
	if (nla_len(a) < 1)
		return -EPROTO;
	*out = nla_get_u8(a) != 0;
	return 0;
}

static int get_u32(struct nlattr *a, uint32_t *out)
{
	if (nla_len(a) < 4)
		return -EPROTO;
	*out = nla_get_u32(a);
	return 0;
}

static int get_u64(struct nlattr *a, uint64_t *out)
{
	if (nla_len(a) < 8)
		return -EPROTO;
	*out = nla_get_u64(a);
	return 0;
}

/* A NUL-terminated string that fits @len bytes. */
static int get_str(struct nlattr *a, char *buf, size_t len)
{
	const char *s = nla_data(a);
	size_t n = strnlen(s, (size_t)nla_len(a));

	if (n == (size_t)nla_len(a) || n >= len)
		return -EPROTO;
	memcpy(buf, s, n + 1);
	return 0;
}

/* ---- STATUS ---- */

static int parse_tracepoint(struct ctl_status *st, struct nlattr *nest)
{
	struct nlattr *a;
	char name[CTL_NAME_LEN] = "";
	bool attached = false;
	int rem, ret = 0;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) == RIPTEL_A_TP_NAME)
			ret = get_str(a, name, sizeof(name));
		else if (nla_type(a) == RIPTEL_A_TP_ATTACHED)
			ret = get_u8(a, &attached);
		if (ret)
			return ret;
	}
	if (!name[0] || st->nr_tracepoints == CTL_MAX_TRACEPOINTS)
		return -EPROTO;
	strcpy(st->tracepoints[st->nr_tracepoints].name, name);
	st->tracepoints[st->nr_tracepoints++].attached = attached;
	return 0;
}

static int parse_provider(struct ctl_status *st, struct nlattr *nest)
{
	struct nlattr *a;
	char name[CTL_NAME_LEN] = "";
	uint32_t events = 0;
	int rem, ret = 0;

	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) == RIPTEL_A_PROVIDER_NAME)
			ret = get_str(a, name, sizeof(name));
		else if (nla_type(a) == RIPTEL_A_PROVIDER_EVENTS)
			ret = get_u32(a, &events);
		if (ret)
			return ret;
	}
	if (!name[0] || st->nr_providers == CTL_MAX_PROVIDERS)
		return -EPROTO;
	strcpy(st->providers[st->nr_providers].name, name);
	st->providers[st->nr_providers++].events = events;
	return 0;
}

static int status_fn(void *arg, struct nlattr *head, int len)
{
	struct ctl_status *st = arg;
	struct nlattr *a;
	int rem, ret = 0;

	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case RIPTEL_A_MODULE_VERSION:
			ret = get_str(a, st->module_version,
				      sizeof(st->module_version));
			break;
		case RIPTEL_A_ABI_VERSION:
			ret = get_u32(a, &st->abi_version);
			break;
		case RIPTEL_A_RING_PAGES:
			ret = get_u32(a, &st->ring_pages);
			break;
		case RIPTEL_A_TRACEPOINT:
			ret = parse_tracepoint(st, a);
			break;
		case RIPTEL_A_PROVIDER:
			ret = parse_provider(st, a);
			break;
		case RIPTEL_A_INTERN_SLOTS:
			ret = get_u32(a, &st->intern_slots);
			break;
		case RIPTEL_A_INTERN_USED:
			ret = get_u32(a, &st->intern_used);
			break;
		case RIPTEL_A_INTERN_INSERTS:
			ret = get_u64(a, &st->intern_inserts);
			break;
		case RIPTEL_A_INTERN_EVICTIONS:
			ret = get_u64(a, &st->intern_evictions);
			break;
		case RIPTEL_A_INTERN_FAILED:
			ret = get_u64(a, &st->intern_failed);
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int ctl_nl_status(struct ctl_nl *c, struct ctl_status *st)
{
	struct nl_msg *msg = new_msg(c, RIPTEL_CMD_STATUS, 0);

	memset(st, 0, sizeof(*st));
	if (!msg)
		return -ENOMEM;
	return transact(c, msg, status_fn, st);
}

/* ---- CTL_GET ---- */

static int parse_type_stats(struct ctl_config *cfg, struct nlattr *nest)
{
	struct ctl_type_stats ts = { .present = true };
	uint32_t type = 0;
	struct nlattr *a;
	int rem, ret = 0;

	nla_for_each_nested(a, nest, rem) {
		switch (nla_type(a)) {
		case RIPTEL_A_TYPE:
			ret = get_u32(a, &type);
			break;
		case RIPTEL_A_SAMPLE_RATE:
			ret = get_u32(a, &ts.sample_rate);
			break;
		case RIPTEL_A_DISABLED:
			ret = get_u64(a, &ts.disabled);
			break;
		case RIPTEL_A_FILTERED:
			ret = get_u64(a, &ts.filtered);
			break;
		case RIPTEL_A_SAMPLED_OUT:
			ret = get_u64(a, &ts.sampled_out);
			break;
		}
		if (ret)
			return ret;
	}
	if (type == 0 || type >= RIPTEL_REC_TYPE_MAX)
		return -EPROTO;
	cfg->types[type] = ts;
	return 0;
}

static int config_fn(void *arg, struct nlattr *head, int len)
{
	struct ctl_config *cfg = arg;
	struct nlattr *a;
	size_t n;
	int rem, ret = 0;

	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case RIPTEL_A_TYPE_MASK:
			ret = get_u32(a, &cfg->type_mask);
			break;
		case RIPTEL_A_NR_PIDS:
			ret = get_u32(a, &cfg->filter_pids);
			break;
		case RIPTEL_A_NR_CGROUPS:
			ret = get_u32(a, &cfg->filter_cgroups);
			break;
		case RIPTEL_A_PIDS:
			cfg->lists = true;
			n = (size_t)nla_len(a) / sizeof(uint32_t);
			if (n > RIPTEL_FILTER_MAX ||
			    (size_t)nla_len(a) % sizeof(uint32_t))
				return -EPROTO;
			memcpy(cfg->pids, nla_data(a), n * sizeof(uint32_t));
			cfg->nr_pids = n;
			break;
		case RIPTEL_A_CGROUPS:
			n = (size_t)nla_len(a) / sizeof(uint64_t);
			if (n > RIPTEL_FILTER_MAX ||
			    (size_t)nla_len(a) % sizeof(uint64_t))
				return -EPROTO;
			memcpy(cfg->cgroups, nla_data(a), n * sizeof(uint64_t));
			cfg->nr_cgroups = n;
			break;
		case RIPTEL_A_TYPE_STATS:
			ret = parse_type_stats(cfg, a);
			break;
		}
		if (ret)
			return ret;
	}
	return 0;
}

int ctl_nl_get(struct ctl_nl *c, struct ctl_config *cfg)
{
	struct nl_msg *msg = new_msg(c, RIPTEL_CMD_CTL_GET, 0);

	memset(cfg, 0, sizeof(*cfg));
	if (!msg)
		return -ENOMEM;
	return transact(c, msg, config_fn, cfg);
}

/* ---- CTL_SET ---- */

int ctl_nl_set(struct ctl_nl *c, const struct ctl_set *req)
{
	struct nl_msg *msg = new_msg(c, RIPTEL_CMD_CTL_SET, 0);
	int bad = 0;

	if (!msg)
		return -ENOMEM;
	if (req->types_on)
		bad |= nla_put_u32(msg, RIPTEL_A_TYPES_ON, req->types_on);
	if (req->types_off)
		bad |= nla_put_u32(msg, RIPTEL_A_TYPES_OFF, req->types_off);
	if (req->type) {
		bad |= nla_put_u32(msg, RIPTEL_A_TYPE, req->type);
		bad |= nla_put_u32(msg, RIPTEL_A_SAMPLE_RATE,
				   req->sample_rate);
	}
	if (req->clear)
		bad |= nla_put_u32(msg, RIPTEL_A_FILTER_CLEAR, req->clear);
	if (req->pid_add)
		bad |= nla_put_u32(msg, RIPTEL_A_PID_ADD, req->pid_add);
	if (req->pid_del)
		bad |= nla_put_u32(msg, RIPTEL_A_PID_DEL, req->pid_del);
	if (req->cgroup_add)
		bad |= nla_put_u64(msg, RIPTEL_A_CGROUP_ADD, req->cgroup_add);
	if (req->cgroup_del)
		bad |= nla_put_u64(msg, RIPTEL_A_CGROUP_DEL, req->cgroup_del);
	if (bad) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	return transact(c, msg, NULL, NULL);
}

/* ---- RINGS ---- */

struct rings_acc {
	struct ctl_ring *v;
	size_t n, cap;
};

static int ring_fn(void *arg, struct nlattr *head, int len)
{
	struct rings_acc *acc = arg;
	struct ctl_ring r = { 0 }, *grown;
	struct nlattr *a;
	bool have_cpu = false;
	int rem, ret = 0;

	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case RIPTEL_A_CPU:
			ret = get_u32(a, &r.cpu);
			have_cpu = true;
			break;
		case RIPTEL_A_DATA_SIZE:
			ret = get_u64(a, &r.data_size);
			break;
		case RIPTEL_A_HEAD:
			ret = get_u64(a, &r.head);
			break;
		case RIPTEL_A_TAIL:
			ret = get_u64(a, &r.tail);
			break;
		case RIPTEL_A_FILL:
			ret = get_u64(a, &r.fill);
			break;
		case RIPTEL_A_WRITTEN:
			ret = get_u64(a, &r.written);
			break;
		case RIPTEL_A_DROPPED:
			ret = get_u64(a, &r.dropped);
			break;
		case RIPTEL_A_CONSUMER_ERRORS:
			ret = get_u64(a, &r.consumer_errors);
			break;
		case RIPTEL_A_DROPPED_NMI:
			ret = get_u64(a, &r.dropped_nmi);
			break;
		case RIPTEL_A_DROPPED_NESTED:
			ret = get_u64(a, &r.dropped_nested);
			break;
		}
		if (ret)
			return ret;
	}
	if (!have_cpu)
		return -EPROTO;
	if (acc->n == acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 8;
		grown = realloc(acc->v, acc->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		acc->v = grown;
	}
	acc->v[acc->n++] = r;
	return 0;
}

static int ring_cmp(const void *a, const void *b)
{
	const struct ctl_ring *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

int ctl_nl_rings(struct ctl_nl *c, struct ctl_ring **rings, size_t *n)
{
	struct nl_msg *msg = new_msg(c, RIPTEL_CMD_RINGS, NLM_F_DUMP);
	struct rings_acc acc = { 0 };
	int ret;

	*rings = NULL;
	*n = 0;
	if (!msg)
		return -ENOMEM;
	ret = transact(c, msg, ring_fn, &acc);
	if (ret) {
		free(acc.v);
		return ret;
	}
	if (acc.n)
		qsort(acc.v, acc.n, sizeof(*acc.v), ring_cmp);
	*rings = acc.v;
	*n = acc.n;
	return 0;
}

/* ---- LIST ---- */

struct ident_ctx {
	ctl_identity_fn fn;
	void *arg;
	char buf[RIPTEL_SPIFFE_MAX + 1];
	bool stopped;
};

static int ident_fn(void *arg, struct nlattr *head, int len)
{
	struct ident_ctx *ic = arg;
	uint32_t id = 0, gen = 0;
	bool have_str = false;
	struct nlattr *a;
	int rem, ret = 0;

	if (ic->stopped)
		return 0;
	nla_for_each_attr(a, head, len, rem) {
		switch (nla_type(a)) {
		case RIPTEL_A_ID:
			ret = get_u32(a, &id);
			break;
		case RIPTEL_A_GEN:
			ret = get_u32(a, &gen);
			break;
		case RIPTEL_A_SPIFFE_ID:
			ret = get_str(a, ic->buf, sizeof(ic->buf));
			have_str = true;
			break;
		}
		if (ret)
			return ret;
	}
	if (!id || !gen || !have_str)
		return -EPROTO;
	if (ic->fn(ic->arg, id, gen, ic->buf))
		ic->stopped = true;
	return 0;
}

int ctl_nl_identities(struct ctl_nl *c, ctl_identity_fn fn, void *arg)
{
	struct nl_msg *msg = new_msg(c, RIPTEL_CMD_LIST, NLM_F_DUMP);
	struct ident_ctx *ic;
	int ret;

	if (!msg)
		return -ENOMEM;
	ic = calloc(1, sizeof(*ic));
	if (!ic) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ic->fn = fn;
	ic->arg = arg;
	ret = transact(c, msg, ident_fn, ic);
	free(ic);
	return ret;
}
