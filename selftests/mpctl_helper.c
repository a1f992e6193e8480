// SPDX-License-Identifier: GPL-2.0
/*
 * mpctl_helper: makes the msgpass state that selftests/msgpassctl_test.sh
 * then looks at with msgpassctl, and sends it malformed netlink requests.
 *
 *   create NAME [-m MODE] [-b] [-p] [-R] [-L] [-c CAP] [-B BYTES] [-H]
 *		make a named mailbox (-b broadcast, -p process lifetime,
 *		-R MP_ATTR_MODE_RECEIVE, -L lossy, -c capacity, -B max bytes)
 *		and print its ID; -H: then hold it (sleep until killed)
 *   send BOX COUNT SIZE	queue COUNT messages of SIZE bytes (IPC_NOWAIT)
 *   blocksend BOX SIZE		one blocking send; prints "blocksend: RESULT"
 *   blockrecv BOX		one blocking receive; prints "blockrecv: RESULT"
 *   subscribe BOX		subscribe to a broadcast mailbox, print
 *				"subscribed", sleep until killed (never reads)
 *   setowner BOX PID		give a mailbox to process PID
 *   name NAME [-H]		register a name; -H: hold it until killed
 *   hold			open the device, print "holding", sleep
 *   link PID COUNT		send COUNT messages to process PID, print
 *				"linked", sleep until killed
 *   asuser UID CMD [ARGS]	run CMD as user and group UID, no groups
 *   nlbad			malformed generic-netlink requests: prints
 *				"PASS name" or "FAIL name: why" for each
 *   nlcred UID			(as root) requests are judged as the socket's
 *				opener, dumps continue only as their asker:
 *				prints "PASS name" or "FAIL name: why"
 *
 * BOX is a mailbox ID, or a name. RESULT is "ok" or an errno name
 * (EIDRM...). Exit status: 0 when the action succeeded.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "msgpass.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);

	return s ? s : "E?";
}

static int die(const char *what)
{
	fprintf(stderr, "mpctl_helper: %s: %s (%s)\n", what, strerror(errno),
		errname(errno));
	return 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: mpctl_helper create|send|blocksend|blockrecv|subscribe|"
		"setowner|name|hold|link|asuser|nlbad ARGS (see the source)\n");
	return 2;
}

static void hold(const char *what)
{
	if (what) {
		printf("%s\n", what);
		fflush(stdout);
	}
	for (;;)
		pause();
}

static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || !*s || *end) {
		fprintf(stderr, "mpctl_helper: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

/* A mailbox ID, or the ID of the mailbox with that name. */
static int box(const char *arg)
{
	int id;

	if (arg[0] >= '0' && arg[0] <= '9')
		return (int)number(arg);
	id = mp_msgget_attr(IPC_PRIVATE, arg, 0, NULL);
	if (id < 0) {
		fprintf(stderr, "mpctl_helper: mailbox '%s': %s\n", arg, strerror(errno));
		exit(1);
	}
	return id;
}

struct msg {
	long mtype;
	char mtext[65536];
};

static struct msg m = { .mtype = 1 };

static int do_create(int argc, char **argv)
{
	struct mp_attr attr = { 0 };
	bool hold_it = false;
	int mode = 0600, opt, id;

	if (argc < 2)
		return usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "m:bpRLc:B:H")) != -1) {
		switch (opt) {
		case 'm':
			mode = (int)strtol(optarg, NULL, 8);
			break;
		case 'b':
			attr.kind = MP_KIND_BROADCAST;
			break;
		case 'p':
			attr.lifetime = MP_LIFETIME_PROCESS;
			break;
		case 'R':
			attr.flags |= MP_ATTR_MODE_RECEIVE;
			break;
		case 'L':
			attr.flags |= MP_ATTR_LOSSY;
			break;
		case 'c':
			attr.flags |= MP_ATTR_CAPACITY;
			attr.capacity = (uint64_t)number(optarg);
			break;
		case 'B':
			attr.flags |= MP_ATTR_MAX_BYTES;
			attr.max_bytes = (uint64_t)number(optarg);
			break;
		case 'H':
			hold_it = true;
			break;
		default:
			return usage();
		}
	}
	id = mp_msgget_attr(IPC_PRIVATE, argv[1], IPC_CREAT | IPC_EXCL | mode, &attr);
	if (id < 0)
		return die("create");
	printf("%d\n", id);
	fflush(stdout);
	if (hold_it)
		hold(NULL);
	return 0;
}

static int do_send(int argc, char **argv)
{
	long count, size;
	int id;

	if (argc != 4)
		return usage();
	id = box(argv[1]);
	count = number(argv[2]);
	size = number(argv[3]);
	if (size < 0 || size > (long)sizeof(m.mtext))
		return usage();
	memset(m.mtext, 'x', (size_t)size);
	for (long i = 0; i < count; i++) {
		if (mp_msgsnd(id, &m, (size_t)size, IPC_NOWAIT))
			return die("send");
	}
	return 0;
}

static int report(const char *what, int ret)
{
	printf("%s: %s\n", what, ret < 0 ? errname(errno) : "ok");
	fflush(stdout);
	return ret < 0;
}

static int do_blocksend(int argc, char **argv)
{
	long size;
	int id;

	if (argc != 3)
		return usage();
	id = box(argv[1]);
	size = number(argv[2]);
	if (size < 0 || size > (long)sizeof(m.mtext))
		return usage();
	return report("blocksend", mp_msgsnd(id, &m, (size_t)size, 0));
}

static int do_blockrecv(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	return report("blockrecv", (int)mp_msgrcv(box(argv[1]), &m, sizeof(m.mtext), 0, 0));
}

static int do_subscribe(int argc, char **argv)
{
	if (argc != 2)
		return usage();
	if (mp_mbox_subscribe(box(argv[1])))
		return die("subscribe");
	hold("subscribed");
	return 0;
}

static int do_setowner(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	if (mp_mbox_set_owner(box(argv[1]), (pid_t)number(argv[2])))
		return die("setowner");
	return 0;
}

static int do_name(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (mp_name_register(argv[1]))
		return die("name");
	if (argc > 2 && !strcmp(argv[2], "-H"))
		hold("registered");
	return 0;
}

static int do_hold(void)
{
	if (mp_fd() < 0)
		return die("open " MSGPASS_DEVICE);
	hold("holding");
	return 0;
}

static int do_link(int argc, char **argv)
{
	pid_t pid;
	long count;

	if (argc != 3)
		return usage();
	pid = (pid_t)number(argv[1]);
	count = number(argv[2]);
	memset(m.mtext, 'y', 100);
	for (long i = 0; i < count; i++) {
		if (mp_send(pid, &m, 100, IPC_NOWAIT))
			return die("send to pid");
	}
	hold("linked");
	return 0;
}

static int do_asuser(int argc, char **argv)
{
	uid_t uid;

	if (argc < 3)
		return usage();
	uid = (uid_t)number(argv[1]);
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return die("drop privileges");
	execvp(argv[2], argv + 2);
	return die(argv[2]);
}

/* --- malformed netlink requests ----------------------------------------- */

struct req {
	struct nlmsghdr nlh;
	struct genlmsghdr g;
	char buf[512];
};

static int nl_fd;
static unsigned int nl_seq;
static int failures;

static struct nlattr *put_attr(struct req *r, unsigned short type,
			       const void *data, unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)r + NLMSG_ALIGN(r->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->nlh.nlmsg_len = NLMSG_ALIGN(r->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void init_req(struct req *r, unsigned short family, unsigned char cmd,
		     unsigned short flags)
{
	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->nlh.nlmsg_type = family;
	r->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->nlh.nlmsg_seq = ++nl_seq;
	r->g.cmd = cmd;
	r->g.version = MSGPASS_GENL_VERSION;
}

/*
 * Send @r and read until its ack or error. Returns the errno (0 for
 * success) and copies the kernel's extack message into @why; -1 when
 * the socket itself failed.
 */
static int transact(struct req *r, char *why, size_t whylen, void *reply,
		    size_t replylen)
{
	static char buf[16384];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	why[0] = '\0';
	if (sendto(nl_fd, r, r->nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -1;
	for (;;) {
		ssize_t n = recv(nl_fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return -1;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != r->nlh.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e));
				struct nlattr *a;

				if (!(h->nlmsg_flags & NLM_F_CAPPED))
					off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e) +
						e->msg.nlmsg_len - NLMSG_HDRLEN);
				for (a = (struct nlattr *)((char *)h + off);
				     (char *)a + NLA_HDRLEN <= (char *)h + h->nlmsg_len &&
				     a->nla_len >= NLA_HDRLEN;
				     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
					if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG)
						snprintf(why, whylen, "%.*s",
							 (int)(a->nla_len - NLA_HDRLEN),
							 (char *)a + NLA_HDRLEN);
				}
				return -e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (reply && h->nlmsg_len <= replylen)
				memcpy(reply, h, h->nlmsg_len);
		}
	}
}

static void expect(const char *name, struct req *r, int want)
{
	char why[256];
	int got = transact(r, why, sizeof(why), NULL, 0);

	if (got == want) {
		printf("PASS %s: %s%s%s%s\n", name, got ? errname(got) : "ok",
		       why[0] ? " (" : "", why, why[0] ? ")" : "");
	} else {
		failures++;
		printf("FAIL %s: want %s, got %s%s%s%s\n", name,
		       want ? errname(want) : "success",
		       got < 0 ? "a socket error" : got ? errname(got) : "success",
		       why[0] ? " (" : "", why, why[0] ? ")" : "");
	}
	fflush(stdout);
}

static int family_id(void)
{
	union {
		struct nlmsghdr nlh;
		char buf[4096];
	} reply;
	struct genlmsghdr *g;
	struct nlattr *a;
	char why[256];
	struct req r;
	int len;

	init_req(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	r.g.version = 1;
	put_attr(&r, CTRL_ATTR_FAMILY_NAME, MSGPASS_GENL_NAME, sizeof(MSGPASS_GENL_NAME));
	memset(&reply, 0, sizeof(reply));
	if (transact(&r, why, sizeof(why), &reply, sizeof(reply)))
		return -1;
	g = NLMSG_DATA(&reply.nlh);
	len = (int)reply.nlh.nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)((char *)g + GENL_HDRLEN); len >= NLA_HDRLEN &&
	     a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(unsigned short *)((char *)a + NLA_HDRLEN);
	}
	return -1;
}

static int do_nlbad(void)
{
	char longname[100], nonul[8] = "abcdefgh";
	int32_t id = 0, zero = 0, bigpid = 0x7ffffff0;
	short shortid = 1;
	struct req r;
	int one = 1, fam;

	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0)
		return die("socket");
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	fam = family_id();
	if (fam < 0) {
		fprintf(stderr, "mpctl_helper: no generic netlink family %s\n", MSGPASS_GENL_NAME);
		return 1;
	}
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_MAX + 7, &id, sizeof(id));
	expect("mbox_get_unknown_attribute", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, NLM_F_DUMP);
	put_attr(&r, MSGPASS_A_MAX + 7, &id, sizeof(id));
	expect("mbox_dump_unknown_attribute", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_PID, &id, sizeof(id));
	expect("mbox_get_attribute_not_in_policy", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &shortid, sizeof(shortid));
	expect("mbox_get_short_id", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_NAME, nonul, sizeof(nonul));
	expect("mbox_get_name_without_nul", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_NAME, longname, sizeof(longname));
	expect("mbox_get_name_too_long", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_NAME, "", 1);
	expect("mbox_get_empty_name", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	expect("mbox_get_without_id_or_name", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_DEL, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id));
	put_attr(&r, MSGPASS_A_NAME, "x", 2);
	expect("mbox_del_with_id_and_name", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_MBOX_DEL, NLM_F_DUMP);
	expect("mbox_del_as_dump", &r, EOPNOTSUPP);

	init_req(&r, fam, MSGPASS_CMD_LINK_GET, 0);
	expect("link_get_as_do", &r, EOPNOTSUPP);

	init_req(&r, fam, MSGPASS_CMD_LINK_GET, NLM_F_DUMP);
	put_attr(&r, MSGPASS_A_PID, &zero, sizeof(zero));
	expect("link_dump_pid_zero", &r, ERANGE);

	init_req(&r, fam, MSGPASS_CMD_ENDPOINT_GET, 0);
	expect("endpoint_get_without_pid", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_ENDPOINT_GET, 0);
	put_attr(&r, MSGPASS_A_PID, &bigpid, sizeof(bigpid));
	expect("endpoint_get_no_such_pid", &r, ENOENT);

	init_req(&r, fam, MSGPASS_CMD_STATS_GET, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id));
	expect("stats_get_with_attribute", &r, EINVAL);

	init_req(&r, fam, MSGPASS_CMD_EVENT, 0);
	expect("event_as_request", &r, EOPNOTSUPP);

	init_req(&r, fam, 200, 0);
	expect("unknown_command", &r, EOPNOTSUPP);

	/* An attribute claiming more bytes than the message has. */
	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id))->nla_len = 64;
	expect("mbox_get_truncated_attribute", &r, EINVAL);

	/* A message too short for its generic-netlink header. */
	init_req(&r, fam, MSGPASS_CMD_STATS_GET, 0);
	r.nlh.nlmsg_len = NLMSG_LENGTH(2);
	expect("truncated_genl_header", &r, EINVAL);

	/* After all that, a good request still works. */
	init_req(&r, fam, MSGPASS_CMD_STATS_GET, 0);
	expect("stats_get_still_works", &r, 0);

	close(nl_fd);
	return failures ? 1 : 0;
}

/* --- whose credentials a request is judged with ------------------------- */

static int nl_open(void)
{
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd >= 0) {
		setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
		setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	}
	return fd;
}

static void verdict(const char *name, bool pass, const char *fmt, long v)
{
	if (pass) {
		printf("PASS %s: ok\n", name);
	} else {
		failures++;
		printf("FAIL %s: ", name);
		printf(fmt, v);
		printf("\n");
	}
	fflush(stdout);
}

/*
 * Read a mailbox dump from @fd until its end. Returns the dump's own
 * error (negative errno, 0 for a clean end), or 1 on a socket error;
 * *@entries counts the mailboxes, *@hits those with ID @id.
 */
static int dump_read(int fd, int32_t id, int *entries, int *hits)
{
	static char buf[32768];

	*entries = *hits = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (n < 0)
			return 1;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			struct nlattr *a;
			int len;

			if (h->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(h);
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			(*entries)++;
			len = (int)h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			for (a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
			     len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
			     len -= NLA_ALIGN(a->nla_len),
			     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len))) {
				if (a->nla_type == MSGPASS_A_MBOX_ID &&
				    *(int32_t *)((char *)a + NLA_HDRLEN) == id)
					(*hits)++;
			}
		}
	}
}

static int dump_start(int fd, int fam)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct req r;

	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, NLM_F_DUMP);
	r.nlh.nlmsg_flags &= ~NLM_F_ACK;
	return sendto(fd, &r, r.nlh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		      sizeof(kernel)) < 0 ? -1 : 0;
}

/*
 * Let a child finish a dump the caller started; in a new pid namespace
 * with @newpid. Returns the dump's error (as dump_read()), the child's
 * *@entries, or 2 when the child could not run.
 */
static int dump_finish_elsewhere(int fd, bool newpid, int *entries)
{
	int *shared = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st, ret = 2, hits;
	pid_t pid;

	if (shared == MAP_FAILED)
		return 2;
	shared[0] = 2;
	pid = fork();
	if (pid == 0) {
		pid_t inner;

		if (newpid && unshare(CLONE_NEWPID))
			_exit(1);
		/* The first child of a new pid namespace is in it. */
		inner = fork();
		if (inner == 0) {
			shared[0] = dump_read(fd, 0, &shared[1], &hits);
			_exit(0);
		}
		_exit(inner > 0 && waitpid(inner, &st, 0) == inner ? 0 : 1);
	}
	if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st))
		ret = shared[0];
	*entries = shared[1];
	munmap(shared, 2 * sizeof(int));
	return ret;
}

static int do_nlcred(int argc, char **argv)
{
	int32_t id, mine, ids[300];
	int fam, fd, ret, entries, hits, i;
	uid_t uid;
	struct req r;

	if (argc < 2)
		return usage();
	uid = (uid_t)number(argv[1]);
	id = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);	/* root's own */
	if (id < 0)
		return die("msgget");
	mine = getpid();

	/* A socket opened by UID, written by root: judged as UID. */
	if (seteuid(uid))
		return die("seteuid");
	fd = nl_open();
	if (seteuid(0))
		return die("seteuid back");
	if (fd < 0)
		return die("socket");
	nl_fd = fd;
	fam = family_id();
	if (fam < 0)
		return die("family");
	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id));
	expect("deputy_mbox_get_is_judged_as_the_opener", &r, ENOENT);
	init_req(&r, fam, MSGPASS_CMD_MBOX_DEL, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id));
	expect("deputy_mbox_del_is_judged_as_the_opener", &r, ENOENT);
	init_req(&r, fam, MSGPASS_CMD_ENDPOINT_GET, 0);
	put_attr(&r, MSGPASS_A_PID, &mine, sizeof(mine));
	expect("deputy_endpoint_get_is_judged_as_the_opener", &r, ENOENT);
	ret = dump_start(fd, fam) ? 1 : dump_read(fd, id, &entries, &hits);
	verdict("deputy_dump_is_judged_as_the_opener", !ret && !hits,
		"root's private mailbox listed, or dump error %ld", ret ? ret : hits);
	close(fd);

	/* The same requests on root's own socket see it: the test is real. */
	nl_fd = fd = nl_open();
	if (fd < 0)
		return die("socket");
	init_req(&r, fam, MSGPASS_CMD_MBOX_GET, 0);
	put_attr(&r, MSGPASS_A_MBOX_ID, &id, sizeof(id));
	expect("opener_mbox_get_sees_its_own", &r, 0);

	/* Enough mailboxes that a dump takes several reads. */
	for (i = 0; i < 300; i++)
		ids[i] = mp_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	ret = dump_start(fd, fam) ? 1 : dump_finish_elsewhere(fd, false, &entries);
	verdict("dump_continued_by_another_task_as_its_asker", !ret && entries > 300,
		"error or too few mailboxes: %ld", ret ? ret : entries);
	ret = dump_start(fd, fam) ? 1 : dump_finish_elsewhere(fd, true, &entries);
	verdict("dump_not_continued_in_another_pid_namespace", ret == -EPERM,
		"the dump ended with %ld, not -EPERM", ret);
	close(fd);
	for (i = 0; i < 300; i++)
		mp_msgctl(ids[i], IPC_RMID, NULL);
	mp_msgctl(id, IPC_RMID, NULL);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc--;
	argv++;
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "create"))
		return do_create(argc, argv);
	if (!strcmp(cmd, "send"))
		return do_send(argc, argv);
	if (!strcmp(cmd, "blocksend"))
		return do_blocksend(argc, argv);
	if (!strcmp(cmd, "blockrecv"))
		return do_blockrecv(argc, argv);
	if (!strcmp(cmd, "subscribe"))
		return do_subscribe(argc, argv);
	if (!strcmp(cmd, "setowner"))
		return do_setowner(argc, argv);
	if (!strcmp(cmd, "name"))
		return do_name(argc, argv);
	if (!strcmp(cmd, "hold"))
		return do_hold();
	if (!strcmp(cmd, "link"))
		return do_link(argc, argv);
	if (!strcmp(cmd, "asuser"))
		return do_asuser(argc, argv);
	if (!strcmp(cmd, "nlbad"))
		return do_nlbad();
	if (!strcmp(cmd, "nlcred"))
		return do_nlcred(argc, argv);
	return usage();
}
