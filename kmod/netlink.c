// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass introspection: the generic-netlink family "msgpass".
 *
 * Mailboxes, links, endpoints and totals can be read (a dump answers one
 * message per object), a mailbox can be removed, and the "events"
 * multicast group announces what changes. The attributes are flat and
 * described in uapi/msgpass.h and Documentation/netlink/msgpass.yaml.
 *
 * Requests are judged with the credentials of whoever opened the socket
 * (its file's f_cred), never those of the task that happens to write to
 * it: a setuid program handed an unprivileged user's socket (as its
 * stdout, say) does not lend that user its privileges. Pids and IDs are
 * translated into the requesting task's namespaces. A mailbox is listed
 * only to those who may read it, as ipcs(1) does; a process, its links
 * and its names only to its own user (and CAP_SYS_ADMIN); a user's usage
 * only to that user. A dump keeps the credentials it started with and is
 * continued only in the pid and IPC namespaces it started in. The
 * "events" group, which tells of every mailbox and process, is for
 * CAP_SYS_ADMIN alone.
 */
#include <linux/cred.h>
#include <linux/pid_namespace.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "compat.h"
#include "msgpass.h"

static struct genl_family mp_nl_family;
static bool mp_nl_registered;

enum { MP_NL_MCGRP_EVENTS };

static const struct genl_multicast_group mp_nl_mcgrps[] = {
	[MP_NL_MCGRP_EVENTS] = {
		.name = MSGPASS_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static const struct nla_policy mp_nl_mbox_policy[MSGPASS_A_MAX + 1] = {
	[MSGPASS_A_MBOX_ID]	= { .type = NLA_S32 },
	[MSGPASS_A_NAME]	= { .type = NLA_NUL_STRING, .len = MP_NAME_MAX },
};

static const struct nla_policy mp_nl_pid_policy[MSGPASS_A_MAX + 1] = {
	[MSGPASS_A_PID]		= NLA_POLICY_MIN(NLA_S32, 1),
};

static const struct nla_policy mp_nl_empty_policy[MSGPASS_A_MAX + 1] = {
};

/* The credentials a request is judged with: its socket's opener's. */
static const struct cred *mp_nl_opener(const struct sk_buff *skb)
{
	struct sock *sk = NETLINK_CB(skb).sk;

	if (!sk || !sk->sk_socket || !sk->sk_socket->file)
		return NULL;
	return sk->sk_socket->file->f_cred;
}

/* Run a request's handler as the socket's opener. */
static int mp_nl_as_opener(struct sk_buff *skb, struct genl_info *info,
			   int (*fn)(struct sk_buff *skb, struct genl_info *info))
{
	const struct cred *cred = mp_nl_opener(skb), *old;
	int ret;

	if (!cred)
		return -EPERM;
	old = override_creds(cred);
	ret = fn(skb, info);
	revert_creds(old);
	return ret;
}

/*
 * A dump's asker, taken when it starts and kept in the callback's last
 * argument slots until it is done: the opener's credentials, and the
 * namespaces it was asked from.
 */
struct mp_nl_asker {
	const struct cred *cred;
	struct pid_namespace *pidns;
	struct mp_ns *ns;
};

#define MP_NL_CB_ASKER	5

static struct mp_nl_asker *mp_nl_asker(struct netlink_callback *cb)
{
	return (struct mp_nl_asker *)cb->args[MP_NL_CB_ASKER];
}

static int mp_nl_dump_start(struct netlink_callback *cb)
{
	const struct cred *cred = mp_nl_opener(cb->skb);
	struct mp_nl_asker *a;

	if (!cred)
		return -EPERM;
	a = kmalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	/* Its msgpass namespace pins the IPC namespace it stands for. */
	a->ns = mp_ns_of_current();
	if (IS_ERR(a->ns)) {
		int err = PTR_ERR(a->ns);

		kfree(a);
		return err;
	}
	a->cred = get_cred(cred);
	a->pidns = get_pid_ns(task_active_pid_ns(current));
	cb->args[MP_NL_CB_ASKER] = (long)a;
	return 0;
}

static int mp_nl_dump_done(struct netlink_callback *cb)
{
	struct mp_nl_asker *a = mp_nl_asker(cb);

	if (a) {
		put_cred(a->cred);
		put_pid_ns(a->pidns);
		mp_ns_put(a->ns);
		kfree(a);
	}
	return 0;
}

/*
 * Continue a dump as its asker: with its credentials, in its namespaces
 * (a task elsewhere that reads the socket is refused).
 */
static int mp_nl_dump_as_asker(struct netlink_callback *cb, const struct cred **old)
{
	struct mp_nl_asker *a = mp_nl_asker(cb);

	if (task_active_pid_ns(current) != a->pidns || mp_ns_current_id() != a->ns->ns)
		return -EPERM;
	*old = override_creds(a->cred);
	return 0;
}

static void *mp_nl_put_header(struct sk_buff *skb, u32 portid, u32 seq,
			      int flags, u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &mp_nl_family, flags, cmd);
}

static int mp_nl_put_mbox(struct sk_buff *skb, const struct mp_mbox_info *i)
{
	if (nla_put_s32(skb, MSGPASS_A_MBOX_ID, i->id) ||
	    nla_put_s32(skb, MSGPASS_A_KEY, i->key) ||
	    (i->name[0] && nla_put_string(skb, MSGPASS_A_NAME, i->name)) ||
	    nla_put_u32(skb, MSGPASS_A_KIND, i->kind) ||
	    nla_put_u32(skb, MSGPASS_A_LIFETIME, i->lifetime) ||
	    nla_put_s32(skb, MSGPASS_A_OWNER_PID, i->owner_pid) ||
	    nla_put_u32(skb, MSGPASS_A_UID, i->uid) ||
	    nla_put_u32(skb, MSGPASS_A_GID, i->gid) ||
	    nla_put_u32(skb, MSGPASS_A_CUID, i->cuid) ||
	    nla_put_u32(skb, MSGPASS_A_CGID, i->cgid) ||
	    nla_put_u32(skb, MSGPASS_A_MODE, i->mode) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_MBOX_FLAGS, i->flags, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_CAPACITY, i->capacity, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_MAX_BYTES, i->max_bytes, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_MSG_MAX, i->msg_max, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_QNUM, i->qnum, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_QBYTES, i->qbytes, MSGPASS_A_PAD) ||
	    nla_put_u32(skb, MSGPASS_A_WAITING_SENDERS, i->waiting_senders) ||
	    nla_put_u32(skb, MSGPASS_A_WAITING_RECEIVERS, i->waiting_receivers) ||
	    nla_put_u32(skb, MSGPASS_A_SUBSCRIBERS, i->subscribers) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_SENT, i->sent, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_RECEIVED, i->received, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_OVERRUNS, i->overruns, MSGPASS_A_PAD) ||
	    nla_put_s32(skb, MSGPASS_A_LSPID, i->lspid) ||
	    nla_put_s32(skb, MSGPASS_A_LRPID, i->lrpid) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_STIME, i->stime, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_RTIME, i->rtime, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_CTIME, i->ctime, MSGPASS_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * The mailbox a request names by MSGPASS_A_MBOX_ID or MSGPASS_A_NAME, in
 * the requesting task's IPC namespace.
 */
static struct mp_mailbox *mp_nl_mbox(struct genl_info *info)
{
	struct nlattr *id = info->attrs[MSGPASS_A_MBOX_ID];
	struct nlattr *name = info->attrs[MSGPASS_A_NAME];
	struct mp_mailbox *mb;
	struct mp_ns *n;

	if (!!id == !!name) {
		GENL_SET_ERR_MSG(info, "give one of MBOX_ID and NAME");
		return ERR_PTR(-EINVAL);
	}
	if (name && (!nla_len(name) || !*(char *)nla_data(name))) {
		GENL_SET_ERR_MSG(info, "empty NAME");
		return ERR_PTR(-EINVAL);
	}
	n = mp_ns_of_current();
	if (IS_ERR(n))
		return ERR_CAST(n);
	if (id)
		mb = mp_mailbox_get(n, nla_get_s32(id));
	else
		mb = mp_mailbox_get_by_name(n, nla_data(name));
	mp_ns_put(n);
	return mb ?: ERR_PTR(-ENOENT);
}

static int __mp_nl_mbox_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mp_mbox_info *mi;
	struct mp_mailbox *mb;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	mb = mp_nl_mbox(info);
	if (IS_ERR(mb))
		return PTR_ERR(mb);
	ret = -ENOENT;	/* as if it were not there, to those who may not see it */
	if (!mp_perm_mbox(mb, 0444))
		goto out;
	ret = -ENOMEM;
	mi = kmalloc(sizeof(*mi), GFP_KERNEL);
	if (!mi)
		goto out;
	mp_mailbox_fill_info(mb, mi);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out_free;
	hdr = mp_nl_put_header(msg, info->snd_portid, info->snd_seq, 0,
			       MSGPASS_CMD_MBOX_GET);
	if (!hdr || mp_nl_put_mbox(msg, mi)) {
		nlmsg_free(msg);
		ret = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	ret = genlmsg_reply(msg, info);
out_free:
	kfree(mi);
out:
	mp_mailbox_put(mb);
	return ret;
}

static int mp_nl_mbox_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mp_nl_as_opener(skb, info, __mp_nl_mbox_get_doit);
}

/* cb->args[0]: the next mailbox index to look at. */
static int mp_nl_mbox_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mp_nl_asker *asker = mp_nl_asker(cb);
	unsigned long idx = cb->args[0];
	struct mp_mbox_info *mi;
	struct mp_mailbox *mb;
	const struct cred *old;
	int ret;

	ret = mp_nl_dump_as_asker(cb, &old);
	if (ret)
		return ret;
	mi = kmalloc(sizeof(*mi), GFP_KERNEL);
	if (!mi) {
		revert_creds(old);
		return -ENOMEM;
	}
	while ((mb = mp_mailbox_next(asker->ns, &idx))) {
		void *hdr;

		if (!mp_perm_mbox(mb, 0444)) {
			mp_mailbox_put(mb);
			idx++;
			continue;
		}
		mp_mailbox_fill_info(mb, mi);
		mp_mailbox_put(mb);
		hdr = mp_nl_put_header(skb, NETLINK_CB(cb->skb).portid,
				       cb->nlh->nlmsg_seq, NLM_F_MULTI,
				       MSGPASS_CMD_MBOX_GET);
		if (!hdr)
			break;
		if (mp_nl_put_mbox(skb, mi)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		idx++;
	}
	revert_creds(old);
	kfree(mi);
	cb->args[0] = idx;
	return skb->len;
}

static int __mp_nl_mbox_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mp_mailbox *mb;
	int ret;

	mb = mp_nl_mbox(info);
	if (IS_ERR(mb))
		return PTR_ERR(mb);
	if (!mp_perm_mbox(mb, 0444))
		ret = -ENOENT;
	else
		ret = mp_mailbox_remove_checked(mb, true);
	if (ret == -EIDRM)
		ret = -ENOENT;
	mp_mailbox_put(mb);
	return ret;
}

static int mp_nl_mbox_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mp_nl_as_opener(skb, info, __mp_nl_mbox_del_doit);
}

struct mp_nl_link_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	pid_t only;
};

static int mp_nl_put_link(const struct mp_link_info *l, void *data)
{
	struct mp_nl_link_dump *d = data;
	void *hdr;

	/* Links whose ends this caller cannot see are not there for it. */
	if (!l->to || (d->only && l->from != d->only && l->to != d->only))
		return 0;
	hdr = mp_nl_put_header(d->skb, NETLINK_CB(d->cb->skb).portid,
			       d->cb->nlh->nlmsg_seq, NLM_F_MULTI,
			       MSGPASS_CMD_LINK_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_s32(d->skb, MSGPASS_A_LINK_FROM, l->from) ||
	    nla_put_s32(d->skb, MSGPASS_A_LINK_TO, l->to) ||
	    nla_put_u32(d->skb, MSGPASS_A_LINK_FLAGS, l->flags) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_CAPACITY, l->capacity, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_MAX_BYTES, l->max_bytes, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_QNUM, l->qnum, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_QBYTES, l->qbytes, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_SENT, l->sent, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(d->skb, MSGPASS_A_RECEIVED, l->received, MSGPASS_A_PAD)) {
		genlmsg_cancel(d->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(d->skb, hdr);
	return 0;
}

/* cb->args[0]: links already sent. */
static int mp_nl_link_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr **attrs = mp_dump_attrs(cb);
	struct mp_nl_link_dump d = { .skb = skb, .cb = cb };
	const struct cred *old;
	int ret;

	if (attrs[MSGPASS_A_PID])
		d.only = nla_get_s32(attrs[MSGPASS_A_PID]);
	ret = mp_nl_dump_as_asker(cb, &old);
	if (ret)
		return ret;
	cb->args[0] = mp_links_walk_all(mp_nl_asker(cb)->ns, mp_nl_put_link, &d,
					cb->args[0]);
	revert_creds(old);
	return skb->len;
}

static int mp_nl_put_name(const char *name, void *data)
{
	return nla_put_string(data, MSGPASS_A_NAME, name);
}

static int mp_nl_put_endpoint(struct sk_buff *skb, struct mp_endpoint *ep,
			      u32 portid, u32 seq, int flags)
{
	u32 in, out;
	u64 qnum;
	void *hdr;

	mp_links_count(ep, &in, &out);
	spin_lock(&ep->inbox.lock);
	qnum = ep->inbox.qnum;
	spin_unlock(&ep->inbox.lock);
	hdr = mp_nl_put_header(skb, portid, seq, flags, MSGPASS_CMD_ENDPOINT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_s32(skb, MSGPASS_A_PID, pid_vnr(ep->pid)) ||
	    nla_put_u32(skb, MSGPASS_A_MBOXES_OWNED, mp_mailboxes_owned_by(ep)) ||
	    nla_put_u32(skb, MSGPASS_A_LINKS_IN, in) ||
	    nla_put_u32(skb, MSGPASS_A_LINKS_OUT, out) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_QNUM, qnum, MSGPASS_A_PAD) ||
	    mp_endpoint_names(ep, mp_nl_put_name, skb)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int __mp_nl_endpoint_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct mp_endpoint *ep;
	struct sk_buff *msg;
	struct mp_ns *n;
	int ret;

	if (!info->attrs[MSGPASS_A_PID]) {
		GENL_SET_ERR_MSG(info, "PID is required");
		return -EINVAL;
	}
	n = mp_ns_of_current();
	if (IS_ERR(n))
		return PTR_ERR(n);
	ep = mp_endpoint_get_by_vnr(n, nla_get_s32(info->attrs[MSGPASS_A_PID]));
	mp_ns_put(n);
	if (!ep)
		return -ENOENT;
	if (!mp_perm_see_endpoint(ep)) {
		mp_endpoint_put(ep);
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		mp_endpoint_put(ep);
		return -ENOMEM;
	}
	ret = mp_nl_put_endpoint(msg, ep, info->snd_portid, info->snd_seq, 0);
	mp_endpoint_put(ep);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int mp_nl_endpoint_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mp_nl_as_opener(skb, info, __mp_nl_endpoint_get_doit);
}

/* cb->args[0]: the next global pid number to look at. */
static int mp_nl_endpoint_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long idx = cb->args[0];
	struct mp_endpoint *ep;
	const struct cred *old;
	int ret;

	ret = mp_nl_dump_as_asker(cb, &old);
	if (ret)
		return ret;
	while ((ep = mp_endpoint_next(&idx))) {
		ret = 0;
		/* Processes of the asker's IPC namespace, as it may see them. */
		if (ep->ns == mp_nl_asker(cb)->ns && mp_perm_see_endpoint(ep))
			ret = mp_nl_put_endpoint(skb, ep, NETLINK_CB(cb->skb).portid,
						 cb->nlh->nlmsg_seq, NLM_F_MULTI);
		mp_endpoint_put(ep);
		if (ret)
			break;
		idx++;
	}
	revert_creds(old);
	cb->args[0] = idx;
	return skb->len;
}

static int mp_nl_put_user(kuid_t uid, long bytes, void *data)
{
	struct sk_buff *skb = data;
	struct nlattr *nest;

	if (!bytes || !mp_perm_see_user(uid))
		return 0;
	nest = nla_nest_start(skb, MSGPASS_A_USER);
	if (!nest ||
	    nla_put_u32(skb, MSGPASS_A_UID, from_kuid_munged(current_user_ns(), uid)) ||
	    nla_put_u64_64bit(skb, MSGPASS_A_BYTES, bytes, MSGPASS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int mp_nl_count_user(kuid_t uid, long bytes, void *data)
{
	*(size_t *)data += bytes && mp_perm_see_user(uid) ? 1 : 0;
	return 0;
}

static int __mp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	long bytes, messages = mp_msg_count(&bytes);
	size_t users = 0, size;
	struct sk_buff *msg;
	void *hdr;

	/* Room for the fixed part and one USER nest per user with bytes. */
	mp_users_for_each(mp_nl_count_user, &users);
	size = NLMSG_DEFAULT_SIZE + (users + 16) *
	       (nla_total_size(0) + nla_total_size(sizeof(u32)) +
		nla_total_size_64bit(sizeof(u64)));
	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = mp_nl_put_header(msg, info->snd_portid, info->snd_seq, 0,
			       MSGPASS_CMD_STATS_GET);
	if (!hdr ||
	    nla_put_u64_64bit(msg, MSGPASS_A_LIMIT_MAX_MSG_SIZE,
			      READ_ONCE(mp_max_msg_size), MSGPASS_A_PAD) ||
	    nla_put_u32(msg, MSGPASS_A_LIMIT_MSGMAX, READ_ONCE(mp_msgmax)) ||
	    nla_put_u32(msg, MSGPASS_A_LIMIT_MSGMNB, READ_ONCE(mp_msgmnb)) ||
	    nla_put_u32(msg, MSGPASS_A_LIMIT_MSGMNI, READ_ONCE(mp_msgmni)) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_LIMIT_USER_QUOTA,
			      READ_ONCE(mp_user_quota_bytes), MSGPASS_A_PAD) ||
	    nla_put_u32(msg, MSGPASS_A_LIMIT_MAX_LINKS, READ_ONCE(mp_max_links)) ||
	    nla_put_u32(msg, MSGPASS_A_LIMIT_NAMES_PER_USER,
			READ_ONCE(mp_names_per_user)) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_ENDPOINTS,
			      atomic_long_read(&mp_counters.endpoints), MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_MAILBOXES,
			      atomic_long_read(&mp_counters.mailboxes), MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_MESSAGES, messages, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_BYTES, bytes, MSGPASS_A_PAD) ||
	    nla_put_u64_64bit(msg, MSGPASS_A_FILES,
			      atomic_long_read(&mp_counters.files), MSGPASS_A_PAD) ||
	    mp_users_for_each(mp_nl_put_user, msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int mp_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return mp_nl_as_opener(skb, info, __mp_nl_stats_get_doit);
}

static const struct genl_ops mp_nl_ops[] = {
	{
		.cmd		= MSGPASS_CMD_MBOX_GET,
		.doit		= mp_nl_mbox_get_doit,
		.start		= mp_nl_dump_start,
		.dumpit		= mp_nl_mbox_get_dumpit,
		.done		= mp_nl_dump_done,
		.policy		= mp_nl_mbox_policy,
		.maxattr	= MSGPASS_A_MAX,
	},
	{
		.cmd		= MSGPASS_CMD_MBOX_DEL,
		.doit		= mp_nl_mbox_del_doit,
		.policy		= mp_nl_mbox_policy,
		.maxattr	= MSGPASS_A_MAX,
	},
	{
		.cmd		= MSGPASS_CMD_LINK_GET,
		.start		= mp_nl_dump_start,
		.dumpit		= mp_nl_link_get_dumpit,
		.done		= mp_nl_dump_done,
		.policy		= mp_nl_pid_policy,
		.maxattr	= MSGPASS_A_MAX,
	},
	{
		.cmd		= MSGPASS_CMD_ENDPOINT_GET,
		.doit		= mp_nl_endpoint_get_doit,
		.start		= mp_nl_dump_start,
		.dumpit		= mp_nl_endpoint_get_dumpit,
		.done		= mp_nl_dump_done,
		.policy		= mp_nl_pid_policy,
		.maxattr	= MSGPASS_A_MAX,
	},
	{
		.cmd		= MSGPASS_CMD_STATS_GET,
		.doit		= mp_nl_stats_get_doit,
		.policy		= mp_nl_empty_policy,
		.maxattr	= MSGPASS_A_MAX,
	},
};

static struct genl_family mp_nl_family __ro_after_init = {
	.name		= MSGPASS_GENL_NAME,
	.version	= MSGPASS_GENL_VERSION,
	.maxattr	= MSGPASS_A_MAX,
	.module		= THIS_MODULE,
	.ops		= mp_nl_ops,
	.n_ops		= ARRAY_SIZE(mp_nl_ops),
	.mcgrps		= mp_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mp_nl_mcgrps),
};

/**
 * mp_nl_event() - announce a change on the "events" group
 * @event: MSGPASS_EVENT_*
 * @mbox_id: the mailbox concerned, or -1
 * @pid: the process concerned, or NULL
 * @name: the name concerned, or NULL
 * @value: MBOX_REMOVED: the reason; OVERRUN: the overrun count
 *
 * Nothing is built when nobody listens. Pids are in the initial pid
 * namespace, where the family lives.
 *
 * Context: Process context; may sleep.
 */
void mp_nl_event(u32 event, int mbox_id, struct pid *pid, const char *name, u64 value)
{
	struct sk_buff *skb;
	void *hdr;

	if (!READ_ONCE(mp_nl_registered) ||
	    !genl_has_listeners(&mp_nl_family, &init_net, MP_NL_MCGRP_EVENTS))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &mp_nl_family, 0, MSGPASS_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, MSGPASS_A_EVENT, event) ||
	    (mbox_id >= 0 && nla_put_s32(skb, MSGPASS_A_MBOX_ID, mbox_id)) ||
	    (pid && nla_put_s32(skb, MSGPASS_A_PID, pid_nr(pid))) ||
	    (name && nla_put_string(skb, MSGPASS_A_NAME, name)) ||
	    (event == MSGPASS_EVENT_MBOX_REMOVED &&
	     nla_put_u32(skb, MSGPASS_A_REASON, value)) ||
	    (event == MSGPASS_EVENT_OVERRUN &&
	     nla_put_u64_64bit(skb, MSGPASS_A_OVERRUNS, value, MSGPASS_A_PAD))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&mp_nl_family, skb, 0, MP_NL_MCGRP_EVENTS, GFP_KERNEL);
}

/**
 * mp_nl_init() - register the family
 *
 * Context: Module init.
 * Return: 0 or a negative errno.
 */
int __init mp_nl_init(void)
{
	int ret = genl_register_family(&mp_nl_family);

	if (!ret)
		WRITE_ONCE(mp_nl_registered, true);
	return ret;
}

/**
 * mp_nl_exit() - unregister the family
 *
 * Context: Module exit.
 */
void mp_nl_exit(void)
{
	WRITE_ONCE(mp_nl_registered, false);
	genl_unregister_family(&mp_nl_family);
}
