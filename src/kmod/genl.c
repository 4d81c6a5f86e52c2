// SPDX-License-Identifier: GPL-2.0
/*
 * genl.c - generic netlink family "riptel": SPIFFE ID resolution for the
 * references in identity records, and the intern table's and providers'
 * status.  The commands and attributes are documented in uapi/riptel.h.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include "ctl.h"
#include "genl.h"
#include "intern.h"
#include "provider.h"

static const struct nla_policy genl_policy[RIPTEL_A_MAX + 1] = {
	[RIPTEL_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[RIPTEL_A_GEN]		= NLA_POLICY_MIN(NLA_U32, 1),
	[RIPTEL_A_SPIFFE_ID]	= { .type = NLA_NUL_STRING,
				    .len = RIPTEL_SPIFFE_MAX },
	/* reply-only attributes */
	[RIPTEL_A_INTERN_SLOTS]		= { .type = NLA_REJECT },
	[RIPTEL_A_INTERN_USED]		= { .type = NLA_REJECT },
	[RIPTEL_A_INTERN_INSERTS]	= { .type = NLA_REJECT },
	[RIPTEL_A_INTERN_EVICTIONS]	= { .type = NLA_REJECT },
	[RIPTEL_A_INTERN_FAILED]	= { .type = NLA_REJECT },
	[RIPTEL_A_PROVIDER]		= { .type = NLA_REJECT },
	[RIPTEL_A_PROVIDER_NAME]	= { .type = NLA_REJECT },
	[RIPTEL_A_PROVIDER_EVENTS]	= { .type = NLA_REJECT },
	[RIPTEL_A_PAD]			= { .type = NLA_REJECT },
};

static struct genl_family genl_riptel;

static int genl_put_entry(struct sk_buff *msg, struct riptel_spiffe_ref ref,
			  const char *s)
{
	if (nla_put_u32(msg, RIPTEL_A_ID, ref.id) ||
	    nla_put_u32(msg, RIPTEL_A_GEN, ref.gen) ||
	    nla_put_string(msg, RIPTEL_A_SPIFFE_ID, s))
		return -EMSGSIZE;
	return 0;
}

static int genl_reply_entry(struct genl_info *info, u8 cmd,
			    struct riptel_spiffe_ref ref, const char *s)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(strlen(s) + 1) + 2 * nla_total_size(4),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &genl_riptel, 0, cmd);
	if (!hdr || genl_put_entry(msg, ref, s)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int genl_cmd_resolve(struct sk_buff *skb, struct genl_info *info)
{
	struct riptel_spiffe_ref ref;
	char *buf;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, RIPTEL_A_ID) ||
	    GENL_REQ_ATTR_CHECK(info, RIPTEL_A_GEN))
		return -EINVAL;
	ref.id = nla_get_u32(info->attrs[RIPTEL_A_ID]);
	ref.gen = nla_get_u32(info->attrs[RIPTEL_A_GEN]);
	buf = kmalloc(RIPTEL_SPIFFE_MAX + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = riptel_intern_lookup(ref.id, ref.gen, buf);
	if (ret >= 0)
		ret = genl_reply_entry(info, RIPTEL_CMD_RESOLVE, ref, buf);
	kfree(buf);
	return ret;
}

static int genl_cmd_intern(struct sk_buff *skb, struct genl_info *info)
{
	struct riptel_spiffe_ref ref;
	bool failed = false;
	const char *s;

	if (GENL_REQ_ATTR_CHECK(info, RIPTEL_A_SPIFFE_ID))
		return -EINVAL;
	s = nla_data(info->attrs[RIPTEL_A_SPIFFE_ID]);
	if (!*s) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[RIPTEL_A_SPIFFE_ID],
				    "empty SPIFFE ID");
		return -EINVAL;
	}
	ref = riptel_intern(s, &failed);
	if (failed)
		return -ENOMEM;
	return genl_reply_entry(info, RIPTEL_CMD_INTERN, ref, s);
}

/* Dump cursor: cb->args[0] is the next slot to look at. */
static int genl_dump_list(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct riptel_spiffe_ref ref;
	u32 pos = cb->args[0], prev;
	char *buf;
	void *hdr;

	buf = kmalloc(RIPTEL_SPIFFE_MAX + 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		prev = pos;
		if (riptel_intern_next(&pos, &ref, buf) < 0)
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &genl_riptel, NLM_F_MULTI,
				  RIPTEL_CMD_LIST);
		if (!hdr) {
			pos = prev;
			break;
		}
		if (genl_put_entry(skb, ref, buf)) {
			genlmsg_cancel(skb, hdr);
			pos = prev;
			break;
		}
		genlmsg_end(skb, hdr);
	}
	kfree(buf);
	cb->args[0] = pos;
	return skb->len;
}

static int genl_cmd_status(struct sk_buff *skb, struct genl_info *info)
{
	struct riptel_intern_stats st;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &genl_riptel, 0, RIPTEL_CMD_STATUS);
	if (!hdr)
		goto err_free;
	riptel_intern_stats(&st);
	if (nla_put_u32(msg, RIPTEL_A_INTERN_SLOTS, st.slots) ||
	    nla_put_u32(msg, RIPTEL_A_INTERN_USED, st.used) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_INTERN_INSERTS, st.inserts,
			      RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_INTERN_EVICTIONS, st.evictions,
			      RIPTEL_A_PAD) ||
	    nla_put_u64_64bit(msg, RIPTEL_A_INTERN_FAILED, st.failed,
			      RIPTEL_A_PAD) ||
	    riptel_provider_fill(msg) || riptel_ctl_fill_status(msg))
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops genl_ops[] = {
	{
		.cmd = RIPTEL_CMD_RESOLVE,
		.doit = genl_cmd_resolve,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RIPTEL_CMD_LIST,
		.dumpit = genl_dump_list,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RIPTEL_CMD_INTERN,
		.doit = genl_cmd_intern,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = RIPTEL_CMD_STATUS,
		.doit = genl_cmd_status,
	},
};

static struct genl_family genl_riptel __ro_after_init = {
	.name = RIPTEL_GENL_NAME,
	.version = RIPTEL_GENL_VERSION,
	.maxattr = RIPTEL_A_MAX,
	.policy = genl_policy,
	.module = THIS_MODULE,
	.ops = riptel_ctl_ops,
	.n_ops = RIPTEL_CTL_NR_OPS,
	.small_ops = genl_ops,
	.n_small_ops = ARRAY_SIZE(genl_ops),
	/* strict validation and reserved-field checks for every command */
	.resv_start_op = RIPTEL_CMD_RESOLVE,
	/*
	 * Not under the global genl_mutex: every command takes only its own
	 * locks (intern_lock, ctl_lock, provider_mutex), so STATUS or CTL_GET
	 * never waits behind another family, or behind a provider's detach.
	 */
	.parallel_ops = true,
};

int riptel_genl_init(void)
{
	return genl_register_family(&genl_riptel);
}

void riptel_genl_exit(void)
{
	genl_unregister_family(&genl_riptel);
}
