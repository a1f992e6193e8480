// SPDX-License-Identifier: GPL-2.0
/*
 * msgpassctl: look at and manage msgpass mailboxes, links and endpoints
 * through the generic-netlink family "msgpass", as ipcs(1) and ipcrm(1)
 * do for System V queues.
 *
 *   msgpassctl [OPTIONS] [list]            mailboxes
 *   msgpassctl [OPTIONS] links [--pid PID] links between processes
 *   msgpassctl [OPTIONS] endpoints [PID]   processes with the device open
 *   msgpassctl [OPTIONS] show ID|NAME      one mailbox, every field
 *   msgpassctl [OPTIONS] rm ID|NAME...     remove mailboxes
 *   msgpassctl [OPTIONS] limits            limits, totals, per-user use
 *   msgpassctl [OPTIONS] watch [--count N] events as they happen
 *
 * Exit status: 0 success, 1 usage, 2 module not loaded, 3 permission
 * denied, 4 no such mailbox, 5 any other failure.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/msgpass.h>

#ifndef MSGPASSCTL_VERSION
#define MSGPASSCTL_VERSION "0.1.0"
#endif

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum {
	EXIT_USAGE	= 1,
	EXIT_NOMODULE	= 2,
	EXIT_PERM	= 3,
	EXIT_NOENT	= 4,
	EXIT_ERROR	= 5,
};

static const char *prog = "msgpassctl";

/* Options, as given on the command line. */
struct opts {
	bool json;
	bool bytes;		/* exact byte counts */
	bool by_name;		/* show/rm: arguments are names */
	bool timestamp;		/* watch: prefix each event with the time */
	bool has_pid;
	bool has_count;
	int pid;
	unsigned long count;
};

struct ctl {
	struct nl_sock *sk;
	int family;
	struct opts o;
};

/* --- errors ------------------------------------------------------------ */

static void __attribute__((format(printf, 1, 2))) warnx(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help' for more information.\n", prog);
	return EXIT_USAGE;
}

/* libnl's own error codes, for failures that never reached the kernel. */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:		return ENOMEM;
	case NLE_PERM:		return EPERM;
	case NLE_OBJ_NOTFOUND:	return ENOENT;
	case NLE_INVAL:		return EINVAL;
	case NLE_AGAIN:		return EAGAIN;
	case NLE_INTR:		return EINTR;
	case NLE_BAD_SOCK:	return EBADF;
	case NLE_MSGSIZE:	return EMSGSIZE;
	case NLE_NOACCESS:	return EACCES;
	case NLE_OPNOTSUPP:	return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_RANGE:		return ERANGE;
	case NLE_BUSY:		return EBUSY;
	default:		return EIO;
	}
}

/*
 * The result of one request: a positive errno (from the kernel, or from
 * libnl when @local) and the kernel's extended-ack message, if any.
 */
struct nl_result {
	int err;
	bool local;
	int nlerr;		/* with @local: libnl's code */
	char msg[256];		/* kernel's extack message */
};

static int exit_code_for(int err)
{
	switch (err) {
	case 0:		return 0;
	case EPERM:
	case EACCES:	return EXIT_PERM;
	case ENOENT:	return EXIT_NOENT;
	default:	return EXIT_ERROR;
	}
}

/*
 * Report a failed request about @what (a mailbox argument, or NULL) and
 * return the exit status for it.
 */
static int report(const char *cmd, const char *what, const struct nl_result *r)
{
	const char *why;
	char ext[300] = "";

	if (r->msg[0])
		snprintf(ext, sizeof(ext), " (kernel: %s)", r->msg);
	switch (r->err) {
	case EPERM:
	case EACCES:
		if (!strcmp(cmd, "rm"))
			why = "permission denied: only the mailbox's owner or creator, "
			      "its owning process, or a process with CAP_SYS_ADMIN or "
			      "CAP_IPC_OWNER may remove it";
		else
			why = "permission denied";
		break;
	case ENOENT:
		why = what ? "no such mailbox (or you may not read it)" :
			     "no such object";
		break;
	default:
		why = r->local ? nl_geterror(r->nlerr) : strerror(r->err);
		break;
	}
	if (what)
		warnx("%s %s: %s%s", cmd, what, why, ext);
	else
		warnx("%s: %s%s", cmd, why, ext);
	return exit_code_for(r->err);
}

/* --- output helpers ----------------------------------------------------- */

/* A size for people: "300B", "16KiB", "1.5MiB"; "unlimited". */
static const char *fmt_size(char *buf, size_t len, uint64_t v, bool exact)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	unsigned int u = 0;
	uint64_t tenths;
	double d = (double)v;

	if (v == MP_UNLIMITED)
		return "unlimited";
	if (exact || v < 1024) {
		snprintf(buf, len, "%" PRIu64 "%s", v, exact ? "" : "B");
		return buf;
	}
	/* Up a unit as long as the number would not round to less than 1024. */
	while (d >= 1023.95 && u < ARRAY_SIZE(units) - 1) {
		d /= 1024.0;
		u++;
	}
	tenths = (uint64_t)(d * 10.0 + 0.5);
	if (tenths < 100 && tenths % 10)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%s", tenths / 10, tenths % 10, units[u]);
	else
		snprintf(buf, len, "%" PRIu64 "%s", (tenths + 5) / 10, units[u]);
	return buf;
}

/* A count, or "unlimited". */
static const char *fmt_count(char *buf, size_t len, uint64_t v)
{
	if (v == MP_UNLIMITED)
		return "unlimited";
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* A pid, or "-" for none (0: none, or not visible in our namespace). */
static const char *fmt_pid(char *buf, size_t len, int32_t pid)
{
	if (pid <= 0)
		return "-";
	snprintf(buf, len, "%" PRId32, pid);
	return buf;
}

static const char *fmt_time(char *buf, size_t len, uint64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t)
		return "never";
	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "@%" PRIu64, t);
	return buf;
}

/* "never", or when and by which process. */
static const char *fmt_when(char *buf, size_t len, uint64_t t, int32_t pid)
{
	char tb[40];

	if (!t)
		return "never";
	if (pid > 0)
		snprintf(buf, len, "%s by pid %" PRId32, fmt_time(tb, sizeof(tb), t), pid);
	else
		snprintf(buf, len, "%s", fmt_time(tb, sizeof(tb), t));
	return buf;
}

/*
 * A name as a terminal may safely show it: bytes outside printable ASCII,
 * and the backslash, become C escapes. Names are chosen by any user.
 */
static const char *fmt_name(char *buf, size_t len, const char *name)
{
	size_t o = 0;

	if (!name || !name[0])
		return "-";
	for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < len; p++) {
		if (*p == '\\') {
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else if (*p < 0x20 || *p >= 0x7f) {
			o += snprintf(buf + o, len - o, "\\x%02x", *p);
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o] = '\0';
	return buf;
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case MP_KIND_QUEUE:	return "queue";
	case MP_KIND_BROADCAST:	return "broadcast";
	default:		return "unknown";
	}
}

static const char *lifetime_name(uint32_t lifetime)
{
	switch (lifetime) {
	case MP_LIFETIME_SYSTEM:	return "system";
	case MP_LIFETIME_PROCESS:	return "process";
	default:			return "unknown";
	}
}

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case MP_GONE_EXIT:		return "exit";
	case MP_GONE_REMOVED:		return "removed";
	case MP_GONE_OWNER_EXIT:	return "owner-exit";
	default:			return "unknown";
	}
}

static const char *const event_names[] = {
	[MSGPASS_EVENT_MBOX_CREATED]	= "mbox-created",
	[MSGPASS_EVENT_MBOX_REMOVED]	= "mbox-removed",
	[MSGPASS_EVENT_MBOX_OWNER]	= "mbox-owner",
	[MSGPASS_EVENT_ENDPOINT_GONE]	= "endpoint-gone",
	[MSGPASS_EVENT_NAME_REGISTERED]	= "name-registered",
	[MSGPASS_EVENT_NAME_RELEASED]	= "name-released",
	[MSGPASS_EVENT_OVERRUN]		= "overrun",
};

/*
 * JSON: a small streaming writer. Objects and arrays nest; a comma goes
 * before every member but the first of its container.
 */
struct json {
	FILE *f;
	int depth;
	bool first[8];
};

static void json_sep(struct json *j)
{
	bool *first = j->depth > 0 && j->depth <= (int)ARRAY_SIZE(j->first) ?
		      &j->first[j->depth - 1] : NULL;

	if (first && !*first)
		fputc(',', j->f);
	if (first)
		*first = false;
}

static void json_key(struct json *j, const char *key)
{
	json_sep(j);
	fprintf(j->f, "\"%s\":", key);
}

static void json_open(struct json *j, const char *key, char c)
{
	if (key)
		json_key(j, key);
	else
		json_sep(j);
	fputc(c, j->f);
	if (j->depth < (int)ARRAY_SIZE(j->first))
		j->first[j->depth] = true;
	j->depth++;
}

static void json_close(struct json *j, char c)
{
	j->depth--;
	fputc(c, j->f);
}

/* Length of the valid UTF-8 sequence at @p, or 0. */
static int utf8_len(const unsigned char *p)
{
	uint32_t cp;
	int n, i;

	if (*p < 0x80)
		return 1;
	if ((*p & 0xe0) == 0xc0) {
		n = 2;
		cp = *p & 0x1f;
	} else if ((*p & 0xf0) == 0xe0) {
		n = 3;
		cp = *p & 0x0f;
	} else if ((*p & 0xf8) == 0xf0) {
		n = 4;
		cp = *p & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int n = utf8_len(p);

		if (!n) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, (size_t)n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static void json_str(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	if (s)
		json_string(j->f, s);
	else
		fputs("null", j->f);
}

static void json_u64(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

static void json_s64(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	fprintf(j->f, "%" PRId64, v);
}

/* A bound: MP_UNLIMITED is null. */
static void json_limit(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	if (v == MP_UNLIMITED)
		fputs("null", j->f);
	else
		fprintf(j->f, "%" PRIu64, v);
}

/*
 * The arrays list, links and endpoints print: one element per line, so
 * that line tools can pick an element out.
 */
static void json_array_next(size_t i)
{
	fputs(i ? ",\n  " : "[\n  ", stdout);
}

static void json_array_end(size_t n)
{
	fputs(n ? "\n]\n" : "[]\n", stdout);
}

static void json_mode(struct json *j, const char *key, uint32_t mode)
{
	json_key(j, key);
	fprintf(j->f, "\"%04o\"", mode);
}

/*
 * Tables: every cell is formatted first, then printed with each column
 * as wide as its widest cell, two spaces apart, numbers right-aligned.
 */
struct column {
	const char *title;
	bool right;
};

#define TABLE_MAX_COLS	16

struct table {
	const struct column *cols;
	size_t ncols;
	size_t nrows, cap;
	char **cells;		/* nrows * ncols, row-major */
	size_t cur;		/* next cell of the row being added */
};

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrows = t->cap = 0;
}

static int table_row(struct table *t)
{
	if (t->ncols > TABLE_MAX_COLS)
		return -EINVAL;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **cells = realloc(t->cells, cap * t->ncols * sizeof(*cells));

		if (!cells)
			return -ENOMEM;
		t->cells = cells;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->nrows++;
	t->cur = 0;
	return 0;
}

static int table_cell(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int table_cell(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char **cell;
	int ret;

	if (!t->nrows || t->cur >= t->ncols)
		return -EINVAL;
	cell = &t->cells[(t->nrows - 1) * t->ncols + t->cur];
	va_start(ap, fmt);
	ret = vasprintf(cell, fmt, ap);
	va_end(ap);
	if (ret < 0) {
		*cell = NULL;
		return -ENOMEM;
	}
	t->cur++;
	return 0;
}

static void table_print(const struct table *t, FILE *f)
{
	size_t w[TABLE_MAX_COLS] = { 0 };

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = strlen(t->cols[c].title);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = t->cells[r * t->ncols + c];
			size_t l = s ? strlen(s) : 0;

			if (l > w[c])
				w[c] = l;
		}
	}
	for (size_t r = 0; r <= t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = r ? t->cells[(r - 1) * t->ncols + c] : t->cols[c].title;
			bool last = c + 1 == t->ncols;

			if (!s)
				s = "";
			if (t->cols[c].right)
				fprintf(f, "%*s", (int)w[c], s);
			else if (last)
				fputs(s, f);
			else
				fprintf(f, "%-*s", (int)w[c], s);
			fputs(last ? "\n" : "  ", f);
		}
	}
}

/* --- netlink ------------------------------------------------------------ */

/* Every attribute the family sends, for validating replies. */
static struct nla_policy mp_policy[MSGPASS_A_MAX + 1] = {
	[MSGPASS_A_MBOX_ID]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_KEY]			= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_NAME]		= { .type = NLA_STRING, .maxlen = MP_NAME_MAX + 1 },
	[MSGPASS_A_KIND]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIFETIME]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_OWNER_PID]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_UID]			= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_GID]			= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_CUID]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_CGID]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_MODE]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_CAPACITY]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_MAX_BYTES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_MSG_MAX]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_QNUM]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_QBYTES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_WAITING_SENDERS]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_WAITING_RECEIVERS]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_SUBSCRIBERS]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_SENT]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_RECEIVED]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_OVERRUNS]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_MBOX_FLAGS]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_LSPID]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_LRPID]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_STIME]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_RTIME]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_CTIME]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_PID]			= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_LINK_FROM]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_LINK_TO]		= { .type = NLA_S32, .minlen = 4 },
	[MSGPASS_A_LINK_FLAGS]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_MBOXES_OWNED]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LINKS_IN]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LINKS_OUT]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIMIT_MAX_MSG_SIZE]	= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_LIMIT_MSGMAX]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIMIT_MSGMNB]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIMIT_MSGMNI]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIMIT_USER_QUOTA]	= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_LIMIT_MAX_LINKS]	= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_LIMIT_NAMES_PER_USER] = { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_ENDPOINTS]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_MAILBOXES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_MESSAGES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_BYTES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_FILES]		= { .type = NLA_U64, .minlen = 8 },
	[MSGPASS_A_USER]		= { .type = NLA_NESTED },
	[MSGPASS_A_EVENT]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_REASON]		= { .type = NLA_U32, .minlen = 4 },
};

static uint32_t attr_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

static int32_t attr_s32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_s32(tb[type]) : 0;
}

static uint64_t attr_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

/* Called for each reply message, with its attributes parsed. */
typedef int (*reply_fn)(struct nlattr **tb, struct genlmsghdr *gnlh, void *arg);

struct request {
	reply_fn fn;
	void *arg;
	bool done;
	struct nl_result *res;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[MSGPASS_A_MAX + 1];
	int err;

	err = genlmsg_parse(nlh, 0, tb, MSGPASS_A_MAX, mp_policy);
	if (err < 0) {
		rq->res->err = EPROTO;
		snprintf(rq->res->msg, sizeof(rq->res->msg),
			 "malformed reply: %s", nl_geterror(err));
		rq->done = true;
		return NL_STOP;
	}
	err = rq->fn ? rq->fn(tb, nlmsg_data(nlh), rq->arg) : 0;
	if (err) {
		rq->res->err = -err;
		rq->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

/* NLMSG_DONE: a dump's end; it carries the dump's error, if any. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlmsg_datalen(nlh) >= (int)sizeof(int)) {
		int err = *(int *)nlmsg_data(nlh);

		if (err < 0 && !rq->res->err)
			rq->res->err = -err;
	}
	rq->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct request *rq = arg;

	(void)msg;
	rq->done = true;
	return NL_STOP;
}

/* The extended ack's message, when the kernel gave one. */
static void extack_msg(struct nlmsgerr *e, char *buf, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	struct nlattr *m;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (off >= nlh->nlmsg_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)nlh + off),
		      (int)(nlh->nlmsg_len - off), NULL) < 0)
		return;
	m = tb[NLMSGERR_ATTR_MSG];
	if (m && nla_len(m) > 0)
		snprintf(buf, len, "%.*s", (int)strnlen(nla_data(m), (size_t)nla_len(m)),
			 (const char *)nla_data(m));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct request *rq = arg;

	(void)nla;
	rq->res->err = e->error < 0 ? -e->error : EPROTO;
	extack_msg(e, rq->res->msg, sizeof(rq->res->msg));
	rq->done = true;
	return NL_STOP;
}

/* A request message of @cmd, with @flags (0 or NLM_F_DUMP). */
static struct nl_msg *new_request(struct ctl *c, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, flags,
			 cmd, MSGPASS_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/*
 * Send @msg (consumed) and read replies until the ack, the dump's end or
 * an error, calling @fn for each reply. Returns 0, or -1 with @res set.
 */
static int transact(struct ctl *c, struct nl_msg *msg, reply_fn fn, void *arg,
		    struct nl_result *res)
{
	struct request rq = { .fn = fn, .arg = arg, .res = res };
	struct nl_cb *cb;
	int err;

	memset(res, 0, sizeof(*res));
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		res->err = ENOMEM;
		return -1;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &rq);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &rq);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &rq);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &rq);

	err = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !rq.done)
		err = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	if (!res->err && err < 0) {
		res->local = true;
		res->nlerr = err;
		res->err = nlerr_to_errno(err);
	}
	return res->err ? -1 : 0;
}

static int open_netlink(struct ctl *c)
{
	int one = 1;
	int err;

	c->sk = nl_socket_alloc();
	if (!c->sk) {
		warnx("out of memory");
		return EXIT_ERROR;
	}
	err = genl_connect(c->sk);
	if (err < 0) {
		warnx("cannot open a generic netlink socket: %s", nl_geterror(err));
		return EXIT_ERROR;
	}
	nl_socket_enable_msg_peek(c->sk);
	/* Error messages from the kernel, without our request echoed. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	c->family = genl_ctrl_resolve(c->sk, MSGPASS_GENL_NAME);
	if (c->family == -NLE_OBJ_NOTFOUND) {
		warnx("the msgpass module is not loaded (no generic netlink family \"%s\"); "
		      "load it with 'modprobe msgpass' or 'insmod kmod/msgpass.ko'",
		      MSGPASS_GENL_NAME);
		return EXIT_NOMODULE;
	}
	if (c->family < 0) {
		warnx("cannot look up the generic netlink family \"%s\": %s",
		      MSGPASS_GENL_NAME, nl_geterror(c->family));
		return c->family == -NLE_PERM ? EXIT_PERM : EXIT_ERROR;
	}
	return 0;
}

/* --- mailboxes ---------------------------------------------------------- */

struct mbox_vec {
	struct mp_mbox_info *v;
	size_t n, cap;
};

static void mbox_from_attrs(struct nlattr **tb, struct mp_mbox_info *m)
{
	memset(m, 0, sizeof(*m));
	m->id = attr_s32(tb, MSGPASS_A_MBOX_ID);
	m->key = attr_s32(tb, MSGPASS_A_KEY);
	if (tb[MSGPASS_A_NAME])
		snprintf(m->name, sizeof(m->name), "%s", nla_get_string(tb[MSGPASS_A_NAME]));
	m->kind = attr_u32(tb, MSGPASS_A_KIND);
	m->lifetime = attr_u32(tb, MSGPASS_A_LIFETIME);
	m->owner_pid = attr_s32(tb, MSGPASS_A_OWNER_PID);
	m->uid = attr_u32(tb, MSGPASS_A_UID);
	m->gid = attr_u32(tb, MSGPASS_A_GID);
	m->cuid = attr_u32(tb, MSGPASS_A_CUID);
	m->cgid = attr_u32(tb, MSGPASS_A_CGID);
	m->mode = attr_u32(tb, MSGPASS_A_MODE);
	m->capacity = attr_u64(tb, MSGPASS_A_CAPACITY);
	m->max_bytes = attr_u64(tb, MSGPASS_A_MAX_BYTES);
	m->msg_max = attr_u64(tb, MSGPASS_A_MSG_MAX);
	m->qnum = attr_u64(tb, MSGPASS_A_QNUM);
	m->qbytes = attr_u64(tb, MSGPASS_A_QBYTES);
	m->waiting_senders = attr_u32(tb, MSGPASS_A_WAITING_SENDERS);
	m->waiting_receivers = attr_u32(tb, MSGPASS_A_WAITING_RECEIVERS);
	m->subscribers = attr_u32(tb, MSGPASS_A_SUBSCRIBERS);
	m->sent = attr_u64(tb, MSGPASS_A_SENT);
	m->received = attr_u64(tb, MSGPASS_A_RECEIVED);
	m->overruns = attr_u64(tb, MSGPASS_A_OVERRUNS);
	m->flags = attr_u64(tb, MSGPASS_A_MBOX_FLAGS);
	m->lspid = attr_s32(tb, MSGPASS_A_LSPID);
	m->lrpid = attr_s32(tb, MSGPASS_A_LRPID);
	m->stime = attr_u64(tb, MSGPASS_A_STIME);
	m->rtime = attr_u64(tb, MSGPASS_A_RTIME);
	m->ctime = attr_u64(tb, MSGPASS_A_CTIME);
}

static int mbox_collect(struct nlattr **tb, struct genlmsghdr *gnlh, void *arg)
{
	struct mbox_vec *vec = arg;

	(void)gnlh;
	if (!tb[MSGPASS_A_MBOX_ID])
		return -EPROTO;
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 32;
		struct mp_mbox_info *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	mbox_from_attrs(tb, &vec->v[vec->n++]);
	return 0;
}

static int cmp_mbox(const void *a, const void *b)
{
	const struct mp_mbox_info *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static void json_mbox(struct json *j, const struct mp_mbox_info *m)
{
	json_open(j, NULL, '{');
	json_s64(j, "id", m->id);
	json_s64(j, "key", m->key);
	json_str(j, "name", m->name[0] ? m->name : NULL);
	json_str(j, "kind", kind_name(m->kind));
	json_str(j, "lifetime", lifetime_name(m->lifetime));
	json_s64(j, "owner_pid", m->owner_pid);
	json_u64(j, "uid", m->uid);
	json_u64(j, "gid", m->gid);
	json_u64(j, "cuid", m->cuid);
	json_u64(j, "cgid", m->cgid);
	json_mode(j, "mode", m->mode);
	json_limit(j, "capacity", m->capacity);
	json_limit(j, "max_bytes", m->max_bytes);
	json_limit(j, "msg_max", m->msg_max);
	json_u64(j, "qnum", m->qnum);
	json_u64(j, "qbytes", m->qbytes);
	json_u64(j, "waiting_senders", m->waiting_senders);
	json_u64(j, "waiting_receivers", m->waiting_receivers);
	json_u64(j, "subscribers", m->subscribers);
	json_u64(j, "sent", m->sent);
	json_u64(j, "received", m->received);
	json_u64(j, "overruns", m->overruns);
	json_key(j, "lossy");
	fputs(m->flags & MP_ATTR_LOSSY ? "true" : "false", j->f);
	json_key(j, "mode_receive");
	fputs(m->flags & MP_ATTR_MODE_RECEIVE ? "true" : "false", j->f);
	json_s64(j, "lspid", m->lspid);
	json_s64(j, "lrpid", m->lrpid);
	json_u64(j, "stime", m->stime);
	json_u64(j, "rtime", m->rtime);
	json_u64(j, "ctime", m->ctime);
	json_close(j, '}');
}

static const struct column mbox_cols[] = {
	{ "ID", true }, { "KEY", false }, { "NAME", false }, { "KIND", false },
	{ "LIFETIME", false }, { "OWNER-PID", true }, { "UID", true }, { "MODE", false },
	{ "MSGS", true }, { "CAPACITY", true }, { "BYTES", true },
	{ "MAX-BYTES", true }, { "W-SEND", true }, { "W-RECV", true },
	{ "SUBS", true },
};

static int print_mbox_table(const struct ctl *c, const struct mbox_vec *vec)
{
	struct table t = { .cols = mbox_cols, .ncols = ARRAY_SIZE(mbox_cols) };
	char b1[32], b2[32], b3[32], b4[32], nm[4 * MP_NAME_MAX + 8];
	int err = 0;

	for (size_t i = 0; i < vec->n && !err; i++) {
		const struct mp_mbox_info *m = &vec->v[i];

		err = table_row(&t) ?:
		      table_cell(&t, "%d", m->id) ?:
		      table_cell(&t, "0x%08x", (uint32_t)m->key) ?:
		      table_cell(&t, "%s", fmt_name(nm, sizeof(nm), m->name)) ?:
		      table_cell(&t, "%s", kind_name(m->kind)) ?:
		      table_cell(&t, "%s", lifetime_name(m->lifetime)) ?:
		      table_cell(&t, "%s", fmt_pid(b1, sizeof(b1), m->owner_pid)) ?:
		      table_cell(&t, "%u", m->uid) ?:
		      table_cell(&t, "%04o", m->mode) ?:
		      table_cell(&t, "%" PRIu64, (uint64_t)m->qnum) ?:
		      table_cell(&t, "%s", fmt_count(b2, sizeof(b2), m->capacity)) ?:
		      table_cell(&t, "%s", fmt_size(b3, sizeof(b3), m->qbytes, c->o.bytes)) ?:
		      table_cell(&t, "%s", fmt_size(b4, sizeof(b4), m->max_bytes, c->o.bytes)) ?:
		      table_cell(&t, "%u", m->waiting_senders) ?:
		      table_cell(&t, "%u", m->waiting_receivers) ?:
		      table_cell(&t, "%u", m->subscribers);
	}
	if (!err)
		table_print(&t, stdout);
	table_free(&t);
	return err;
}

static int cmd_list(struct ctl *c, int argc, char **argv)
{
	struct mbox_vec vec = { 0 };
	struct nl_result res;
	struct nl_msg *msg;
	int ret = 0;

	if (argc)
		return usage_error("list: unexpected argument '%s'", argv[0]);
	ret = open_netlink(c);
	if (ret)
		return ret;
	msg = new_request(c, MSGPASS_CMD_MBOX_GET, NLM_F_DUMP);
	if (!msg) {
		warnx("out of memory");
		return EXIT_ERROR;
	}
	if (transact(c, msg, mbox_collect, &vec, &res)) {
		ret = report("list", NULL, &res);
		goto out;
	}
	qsort(vec.v, vec.n, sizeof(*vec.v), cmp_mbox);
	if (c->o.json) {
		struct json j = { .f = stdout };

		for (size_t i = 0; i < vec.n; i++) {
			json_array_next(i);
			json_mbox(&j, &vec.v[i]);
		}
		json_array_end(vec.n);
	} else if (print_mbox_table(c, &vec)) {
		warnx("out of memory");
		ret = EXIT_ERROR;
	}
out:
	free(vec.v);
	return ret;
}

/*
 * A mailbox argument: digits are an ID, anything else (or anything, with
 * --name) a name. Returns the ID, -1 for a name, or -2 if it is neither.
 */
static long mbox_arg(const struct ctl *c, const char *arg)
{
	char *end;
	long id;

	if (!c->o.by_name && arg[0] >= '0' && arg[0] <= '9') {
		errno = 0;
		id = strtol(arg, &end, 10);
		if (!*end)
			return errno || id > INT32_MAX ? -2 : id;
	}
	return arg[0] && strlen(arg) <= MP_NAME_MAX ? -1 : -2;
}

static int check_mbox_args(const struct ctl *c, const char *cmdname, int argc,
			   char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (mbox_arg(c, argv[i]) == -2)
			return usage_error("%s: '%s' is neither a mailbox ID nor a name "
					   "(1 to %d bytes)", cmdname, argv[i], MP_NAME_MAX);
	}
	return 0;
}

static int mbox_request(struct ctl *c, uint8_t cmd, const char *cmdname,
			const char *arg, reply_fn fn, void *fnarg)
{
	long id = mbox_arg(c, arg);
	struct nl_result res;
	struct nl_msg *msg;

	msg = new_request(c, cmd, 0);
	if (!msg || (id >= 0 ? nla_put_s32(msg, MSGPASS_A_MBOX_ID, (int32_t)id) :
			       nla_put_string(msg, MSGPASS_A_NAME, arg))) {
		nlmsg_free(msg);
		warnx("out of memory");
		return EXIT_ERROR;
	}
	if (transact(c, msg, fn, fnarg, &res))
		return report(cmdname, arg, &res);
	return 0;
}

static void show_line(const char *label, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void show_line(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("%-19s ", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_mbox_detail(const struct ctl *c, const struct mp_mbox_info *m)
{
	char b1[64], b2[64], nm[4 * MP_NAME_MAX + 8];
	bool x = c->o.bytes;

	show_line("id:", "%d", m->id);
	show_line("key:", "0x%08x%s", (uint32_t)m->key, m->key ? "" : " (private)");
	show_line("name:", "%s", fmt_name(nm, sizeof(nm), m->name));
	show_line("kind:", "%s", kind_name(m->kind));
	show_line("lifetime:", "%s", lifetime_name(m->lifetime));
	show_line("who receives:", "%s", m->flags & MP_ATTR_MODE_RECEIVE ?
		  "anyone with read permission (mode bits)" :
		  "the owner, and processes it grants");
	if (m->kind == MP_KIND_BROADCAST)
		show_line("when full:", "%s", m->flags & MP_ATTR_LOSSY ?
			  "drops the oldest (lossy)" : "the sender waits");
	show_line("owner pid:", "%s", fmt_pid(b1, sizeof(b1), m->owner_pid));
	show_line("owner uid/gid:", "%u/%u", m->uid, m->gid);
	show_line("creator uid/gid:", "%u/%u", m->cuid, m->cgid);
	show_line("mode:", "%04o", m->mode);
	show_line("capacity:", "%s%s", fmt_count(b1, sizeof(b1), m->capacity),
		  m->capacity == MP_UNLIMITED ? "" :
		  m->capacity ? " messages" : " (rendezvous: every send waits for a receiver)");
	show_line("max bytes:", "%s", fmt_size(b1, sizeof(b1), m->max_bytes, x));
	show_line("max message size:", "%s", fmt_size(b1, sizeof(b1), m->msg_max, x));
	show_line("queued:", "%" PRIu64 " messages, %s", (uint64_t)m->qnum,
		  fmt_size(b2, sizeof(b2), m->qbytes, x));
	show_line("waiting senders:", "%u", m->waiting_senders);
	show_line("waiting receivers:", "%u", m->waiting_receivers);
	show_line("subscribers:", "%u", m->subscribers);
	show_line("sent:", "%" PRIu64, (uint64_t)m->sent);
	show_line("received:", "%" PRIu64, (uint64_t)m->received);
	show_line("overruns:", "%" PRIu64, (uint64_t)m->overruns);
	show_line("last send:", "%s", fmt_when(b1, sizeof(b1), m->stime, m->lspid));
	show_line("last receive:", "%s", fmt_when(b1, sizeof(b1), m->rtime, m->lrpid));
	show_line("last change:", "%s", fmt_time(b1, sizeof(b1), m->ctime));
}

static int cmd_show(struct ctl *c, int argc, char **argv)
{
	struct mbox_vec vec = { 0 };
	int ret;

	if (argc != 1)
		return usage_error(argc ? "show: one mailbox at a time" :
				   "show: which mailbox? give an ID or a NAME");
	ret = check_mbox_args(c, "show", argc, argv) ?: open_netlink(c);
	if (ret)
		return ret;
	ret = mbox_request(c, MSGPASS_CMD_MBOX_GET, "show", argv[0], mbox_collect, &vec);
	if (!ret && vec.n != 1) {
		warnx("show %s: the kernel answered %zu mailboxes", argv[0], vec.n);
		ret = EXIT_ERROR;
	}
	if (!ret) {
		if (c->o.json) {
			struct json j = { .f = stdout };

			json_mbox(&j, &vec.v[0]);
			putchar('\n');
		} else {
			print_mbox_detail(c, &vec.v[0]);
		}
	}
	free(vec.v);
	return ret;
}

static int cmd_rm(struct ctl *c, int argc, char **argv)
{
	int ret;

	if (!argc)
		return usage_error("rm: which mailbox? give IDs or NAMEs");
	ret = check_mbox_args(c, "rm", argc, argv) ?: open_netlink(c);
	if (ret)
		return ret;
	for (int i = 0; i < argc; i++) {
		int r = mbox_request(c, MSGPASS_CMD_MBOX_DEL, "rm", argv[i], NULL, NULL);

		if (r && !ret)
			ret = r;
	}
	return ret;
}

/* --- links -------------------------------------------------------------- */

struct link_vec {
	struct mp_link_info *v;
	size_t n, cap;
};

static int link_collect(struct nlattr **tb, struct genlmsghdr *gnlh, void *arg)
{
	struct link_vec *vec = arg;
	struct mp_link_info *l;

	(void)gnlh;
	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 32;
		struct mp_link_info *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	l = &vec->v[vec->n++];
	memset(l, 0, sizeof(*l));
	l->from = attr_s32(tb, MSGPASS_A_LINK_FROM);
	l->to = attr_s32(tb, MSGPASS_A_LINK_TO);
	l->flags = attr_u32(tb, MSGPASS_A_LINK_FLAGS);
	l->capacity = attr_u64(tb, MSGPASS_A_CAPACITY);
	l->max_bytes = attr_u64(tb, MSGPASS_A_MAX_BYTES);
	l->qnum = attr_u64(tb, MSGPASS_A_QNUM);
	l->qbytes = attr_u64(tb, MSGPASS_A_QBYTES);
	l->sent = attr_u64(tb, MSGPASS_A_SENT);
	l->received = attr_u64(tb, MSGPASS_A_RECEIVED);
	return 0;
}

static int cmp_link(const void *a, const void *b)
{
	const struct mp_link_info *x = a, *y = b;

	if (x->from != y->from)
		return (x->from > y->from) - (x->from < y->from);
	return (x->to > y->to) - (x->to < y->to);
}

static const struct column link_cols[] = {
	{ "FROM", true }, { "TO", true }, { "MSGS", true }, { "CAPACITY", true },
	{ "BYTES", true }, { "MAX-BYTES", true }, { "SENT", true },
	{ "RECEIVED", true }, { "STATE", false },
};

static int cmd_links(struct ctl *c, int argc, char **argv)
{
	struct link_vec vec = { 0 };
	struct nl_result res;
	struct nl_msg *msg;
	int ret = 0;

	if (argc)
		return usage_error("links: unexpected argument '%s' (use --pid PID)", argv[0]);
	ret = open_netlink(c);
	if (ret)
		return ret;
	msg = new_request(c, MSGPASS_CMD_LINK_GET, NLM_F_DUMP);
	if (!msg || (c->o.has_pid && nla_put_s32(msg, MSGPASS_A_PID, c->o.pid))) {
		nlmsg_free(msg);
		warnx("out of memory");
		return EXIT_ERROR;
	}
	if (transact(c, msg, link_collect, &vec, &res)) {
		ret = report("links", NULL, &res);
		goto out;
	}
	qsort(vec.v, vec.n, sizeof(*vec.v), cmp_link);
	if (c->o.json) {
		struct json j = { .f = stdout };

		for (size_t i = 0; i < vec.n; i++) {
			const struct mp_link_info *l = &vec.v[i];

			json_array_next(i);
			json_open(&j, NULL, '{');
			json_s64(&j, "from", l->from);
			json_s64(&j, "to", l->to);
			json_u64(&j, "flags", l->flags);
			json_key(&j, "sender_gone");
			fputs(l->flags & MP_LINK_SENDER_GONE ? "true" : "false", stdout);
			json_limit(&j, "capacity", l->capacity);
			json_limit(&j, "max_bytes", l->max_bytes);
			json_u64(&j, "qnum", l->qnum);
			json_u64(&j, "qbytes", l->qbytes);
			json_u64(&j, "sent", l->sent);
			json_u64(&j, "received", l->received);
			json_close(&j, '}');
		}
		json_array_end(vec.n);
	} else {
		struct table t = { .cols = link_cols, .ncols = ARRAY_SIZE(link_cols) };
		char b1[32], b2[32], b3[32];
		int err = 0;

		for (size_t i = 0; i < vec.n && !err; i++) {
			const struct mp_link_info *l = &vec.v[i];

			err = table_row(&t) ?:
			      table_cell(&t, "%d", l->from) ?:
			      table_cell(&t, "%d", l->to) ?:
			      table_cell(&t, "%" PRIu64, (uint64_t)l->qnum) ?:
			      table_cell(&t, "%s", fmt_count(b1, sizeof(b1), l->capacity)) ?:
			      table_cell(&t, "%s", fmt_size(b2, sizeof(b2), l->qbytes, c->o.bytes)) ?:
			      table_cell(&t, "%s", fmt_size(b3, sizeof(b3), l->max_bytes, c->o.bytes)) ?:
			      table_cell(&t, "%" PRIu64, (uint64_t)l->sent) ?:
			      table_cell(&t, "%" PRIu64, (uint64_t)l->received) ?:
			      table_cell(&t, "%s", l->flags & MP_LINK_SENDER_GONE ?
						   "sender-gone" : "open");
		}
		if (!err)
			table_print(&t, stdout);
		table_free(&t);
		if (err) {
			warnx("out of memory");
			ret = EXIT_ERROR;
		}
	}
out:
	free(vec.v);
	return ret;
}

/* --- endpoints ---------------------------------------------------------- */

struct endpoint {
	int32_t pid;
	uint32_t mboxes, links_in, links_out;
	uint64_t qnum;
	char **names;
	size_t nnames;
};

struct ep_vec {
	struct endpoint *v;
	size_t n, cap;
};

static void ep_vec_free(struct ep_vec *vec)
{
	for (size_t i = 0; i < vec->n; i++) {
		for (size_t k = 0; k < vec->v[i].nnames; k++)
			free(vec->v[i].names[k]);
		free(vec->v[i].names);
	}
	free(vec->v);
}

static int ep_collect(struct nlattr **tb, struct genlmsghdr *gnlh, void *arg)
{
	struct ep_vec *vec = arg;
	struct endpoint *ep;
	struct nlattr *a;
	int rem;

	if (vec->n == vec->cap) {
		size_t cap = vec->cap ? 2 * vec->cap : 32;
		struct endpoint *v = realloc(vec->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		vec->v = v;
		vec->cap = cap;
	}
	ep = &vec->v[vec->n++];
	memset(ep, 0, sizeof(*ep));
	ep->pid = attr_s32(tb, MSGPASS_A_PID);
	ep->mboxes = attr_u32(tb, MSGPASS_A_MBOXES_OWNED);
	ep->links_in = attr_u32(tb, MSGPASS_A_LINKS_IN);
	ep->links_out = attr_u32(tb, MSGPASS_A_LINKS_OUT);
	ep->qnum = attr_u64(tb, MSGPASS_A_QNUM);

	/* NAME repeats, once per name the process holds. */
	nla_for_each_attr(a, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0), rem) {
		char **names, *name;

		if (nla_type(a) != MSGPASS_A_NAME)
			continue;
		name = strndup(nla_data(a), (size_t)nla_len(a));
		if (!name)
			return -ENOMEM;
		names = realloc(ep->names, (ep->nnames + 1) * sizeof(*names));
		if (!names) {
			free(name);
			return -ENOMEM;
		}
		names[ep->nnames++] = name;
		ep->names = names;
	}
	return 0;
}

static int cmp_ep(const void *a, const void *b)
{
	const struct endpoint *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static const struct column ep_cols[] = {
	{ "PID", true }, { "MAILBOXES", true }, { "LINKS-IN", true },
	{ "LINKS-OUT", true }, { "INBOX", true }, { "NAMES", false },
};

/* The names of @ep, comma-separated and escaped, in a new string. */
static char *ep_names(const struct endpoint *ep)
{
	char nm[4 * MP_NAME_MAX + 8];
	size_t len = 2, o = 0;
	char *s;

	for (size_t k = 0; k < ep->nnames; k++)
		len += strlen(fmt_name(nm, sizeof(nm), ep->names[k])) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t k = 0; k < ep->nnames; k++)
		o += (size_t)snprintf(s + o, len - o, "%s%s", k ? "," : "",
				      fmt_name(nm, sizeof(nm), ep->names[k]));
	if (!ep->nnames)
		strcpy(s, "-");
	return s;
}

static int cmd_endpoints(struct ctl *c, int argc, char **argv)
{
	struct ep_vec vec = { 0 };
	struct nl_result res;
	struct nl_msg *msg;
	int pid = 0, ret = 0;

	if (argc > 1)
		return usage_error("endpoints: at most one PID");
	if (argc) {
		char *end;
		long v;

		errno = 0;
		v = strtol(argv[0], &end, 10);
		if (errno || *end || v <= 0 || v > INT32_MAX)
			return usage_error("endpoints: '%s' is not a process ID", argv[0]);
		pid = (int)v;
	}
	if (c->o.has_pid) {
		if (pid && pid != c->o.pid)
			return usage_error("endpoints: two different PIDs given");
		pid = c->o.pid;
	}
	ret = open_netlink(c);
	if (ret)
		return ret;
	msg = new_request(c, MSGPASS_CMD_ENDPOINT_GET, pid ? 0 : NLM_F_DUMP);
	if (!msg || (pid && nla_put_s32(msg, MSGPASS_A_PID, pid))) {
		nlmsg_free(msg);
		warnx("out of memory");
		return EXIT_ERROR;
	}
	if (transact(c, msg, ep_collect, &vec, &res)) {
		if (pid && res.err == ENOENT) {
			warnx("endpoints %d: no such endpoint (the process does not have %s open)",
			      pid, MSGPASS_DEVICE);
			ret = EXIT_NOENT;
		} else {
			ret = report("endpoints", NULL, &res);
		}
		goto out;
	}
	qsort(vec.v, vec.n, sizeof(*vec.v), cmp_ep);
	if (c->o.json) {
		struct json j = { .f = stdout };

		for (size_t i = 0; i < vec.n; i++) {
			const struct endpoint *ep = &vec.v[i];

			json_array_next(i);
			json_open(&j, NULL, '{');
			json_s64(&j, "pid", ep->pid);
			json_u64(&j, "mailboxes_owned", ep->mboxes);
			json_u64(&j, "links_in", ep->links_in);
			json_u64(&j, "links_out", ep->links_out);
			json_u64(&j, "qnum", ep->qnum);
			json_open(&j, "names", '[');
			for (size_t k = 0; k < ep->nnames; k++) {
				json_sep(&j);
				json_string(stdout, ep->names[k]);
			}
			json_close(&j, ']');
			json_close(&j, '}');
		}
		json_array_end(vec.n);
	} else {
		struct table t = { .cols = ep_cols, .ncols = ARRAY_SIZE(ep_cols) };
		int err = 0;

		for (size_t i = 0; i < vec.n && !err; i++) {
			const struct endpoint *ep = &vec.v[i];
			char *names = ep_names(ep);

			err = !names ? -ENOMEM :
			      table_row(&t) ?:
			      table_cell(&t, "%d", ep->pid) ?:
			      table_cell(&t, "%u", ep->mboxes) ?:
			      table_cell(&t, "%u", ep->links_in) ?:
			      table_cell(&t, "%u", ep->links_out) ?:
			      table_cell(&t, "%" PRIu64, ep->qnum) ?:
			      table_cell(&t, "%s", names);
			free(names);
		}
		if (!err)
			table_print(&t, stdout);
		table_free(&t);
		if (err) {
			warnx("out of memory");
			ret = EXIT_ERROR;
		}
	}
out:
	ep_vec_free(&vec);
	return ret;
}

/* --- limits ------------------------------------------------------------- */

struct user_use {
	uint32_t uid;
	uint64_t bytes;
};

struct stats {
	bool got;
	uint64_t max_msg_size, user_quota;
	uint32_t msgmax, msgmnb, msgmni, max_links, names_per_user;
	uint64_t endpoints, mailboxes, messages, bytes, files;
	struct user_use *users;
	size_t nusers;
};

static struct nla_policy user_policy[MSGPASS_A_MAX + 1] = {
	[MSGPASS_A_UID]		= { .type = NLA_U32, .minlen = 4 },
	[MSGPASS_A_BYTES]	= { .type = NLA_U64, .minlen = 8 },
};

static int stats_collect(struct nlattr **tb, struct genlmsghdr *gnlh, void *arg)
{
	struct stats *s = arg;
	struct nlattr *a;
	int rem;

	s->got = true;
	s->max_msg_size = attr_u64(tb, MSGPASS_A_LIMIT_MAX_MSG_SIZE);
	s->msgmax = attr_u32(tb, MSGPASS_A_LIMIT_MSGMAX);
	s->msgmnb = attr_u32(tb, MSGPASS_A_LIMIT_MSGMNB);
	s->msgmni = attr_u32(tb, MSGPASS_A_LIMIT_MSGMNI);
	s->user_quota = attr_u64(tb, MSGPASS_A_LIMIT_USER_QUOTA);
	s->max_links = attr_u32(tb, MSGPASS_A_LIMIT_MAX_LINKS);
	s->names_per_user = attr_u32(tb, MSGPASS_A_LIMIT_NAMES_PER_USER);
	s->endpoints = attr_u64(tb, MSGPASS_A_ENDPOINTS);
	s->mailboxes = attr_u64(tb, MSGPASS_A_MAILBOXES);
	s->messages = attr_u64(tb, MSGPASS_A_MESSAGES);
	s->bytes = attr_u64(tb, MSGPASS_A_BYTES);
	s->files = attr_u64(tb, MSGPASS_A_FILES);

	/* USER repeats, a nest of UID and BYTES per user with bytes queued. */
	nla_for_each_attr(a, genlmsg_attrdata(gnlh, 0), genlmsg_attrlen(gnlh, 0), rem) {
		struct nlattr *ut[MSGPASS_A_MAX + 1];
		struct user_use *u;

		if (nla_type(a) != MSGPASS_A_USER)
			continue;
		if (nla_parse_nested(ut, MSGPASS_A_MAX, a, user_policy) < 0 ||
		    !ut[MSGPASS_A_UID] || !ut[MSGPASS_A_BYTES])
			return -EPROTO;
		u = realloc(s->users, (s->nusers + 1) * sizeof(*u));
		if (!u)
			return -ENOMEM;
		s->users = u;
		s->users[s->nusers].uid = nla_get_u32(ut[MSGPASS_A_UID]);
		s->users[s->nusers].bytes = nla_get_u64(ut[MSGPASS_A_BYTES]);
		s->nusers++;
	}
	return 0;
}

static int cmp_user(const void *a, const void *b)
{
	const struct user_use *x = a, *y = b;

	return (x->uid > y->uid) - (x->uid < y->uid);
}

static int cmd_limits(struct ctl *c, int argc, char **argv)
{
	struct stats s = { 0 };
	struct nl_result res;
	struct nl_msg *msg;
	/* The module's user_quota_bytes: 0 is no limit. */
	uint64_t quota;
	char b[32];
	bool x = c->o.bytes;
	int ret;

	if (argc)
		return usage_error("limits: unexpected argument '%s'", argv[0]);
	ret = open_netlink(c);
	if (ret)
		return ret;
	msg = new_request(c, MSGPASS_CMD_STATS_GET, 0);
	if (!msg) {
		warnx("out of memory");
		return EXIT_ERROR;
	}
	if (transact(c, msg, stats_collect, &s, &res)) {
		free(s.users);
		return report("limits", NULL, &res);
	}
	qsort(s.users, s.nusers, sizeof(*s.users), cmp_user);
	quota = s.user_quota ? s.user_quota : MP_UNLIMITED;

	if (c->o.json) {
		struct json j = { .f = stdout };

		json_open(&j, NULL, '{');
		json_open(&j, "limits", '{');
		json_limit(&j, "max_msg_size", s.max_msg_size);
		json_u64(&j, "msgmax", s.msgmax);
		json_u64(&j, "msgmnb", s.msgmnb);
		json_u64(&j, "msgmni", s.msgmni);
		json_limit(&j, "user_quota_bytes", quota);
		json_u64(&j, "max_links", s.max_links);
		json_u64(&j, "names_per_user", s.names_per_user);
		json_close(&j, '}');
		json_open(&j, "totals", '{');
		json_u64(&j, "endpoints", s.endpoints);
		json_u64(&j, "mailboxes", s.mailboxes);
		json_u64(&j, "messages", s.messages);
		json_u64(&j, "bytes", s.bytes);
		json_u64(&j, "files", s.files);
		json_close(&j, '}');
		json_open(&j, "users", '[');
		for (size_t i = 0; i < s.nusers; i++) {
			json_open(&j, NULL, '{');
			json_u64(&j, "uid", s.users[i].uid);
			json_u64(&j, "bytes", s.users[i].bytes);
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
		putchar('\n');
	} else {
		printf("Limits\n");
		printf("  %-42s %s\n", "largest message (max_msg_size):",
		       fmt_size(b, sizeof(b), s.max_msg_size, x));
		printf("  %-42s %s\n", "default largest message (msgmax):",
		       fmt_size(b, sizeof(b), s.msgmax, x));
		printf("  %-42s %s\n", "default mailbox bytes (msgmnb):",
		       fmt_size(b, sizeof(b), s.msgmnb, x));
		printf("  %-42s %u\n", "most mailboxes (msgmni):", s.msgmni);
		printf("  %-42s %s\n", "queued bytes per user (user_quota_bytes):",
		       fmt_size(b, sizeof(b), quota, x));
		printf("  %-42s %u\n", "links into a process (max_links):", s.max_links);
		printf("  %-42s %u\n", "names per user (names_per_user):", s.names_per_user);
		printf("Totals\n");
		printf("  %-42s %" PRIu64 "\n", "endpoints:", s.endpoints);
		printf("  %-42s %" PRIu64 "\n", "mailboxes:", s.mailboxes);
		printf("  %-42s %" PRIu64 "\n", "messages:", s.messages);
		printf("  %-42s %s\n", "bytes:", fmt_size(b, sizeof(b), s.bytes, x));
		printf("  %-42s %" PRIu64 "\n", "files in messages:", s.files);
		printf("Queued bytes per user\n");
		if (!s.nusers)
			printf("  (none)\n");
		else
			printf("  %10s  %s\n", "UID", "BYTES");
		for (size_t i = 0; i < s.nusers; i++)
			printf("  %10u  %s\n", s.users[i].uid,
			       fmt_size(b, sizeof(b), s.users[i].bytes, x));
	}
	free(s.users);
	return 0;
}

/* --- watch -------------------------------------------------------------- */

struct watch {
	const struct ctl *c;
	unsigned long seen;
	bool done;
	bool unloaded;		/* the family went away */
	int err;		/* a write error */
};

/* nlctrl's notifications: has our family been unregistered? */
static bool family_removed(const struct ctl *c, struct nlmsghdr *nlh)
{
	static struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16, .minlen = 2 },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct genlmsghdr *gnlh = nlmsg_data(nlh);

	if (!genlmsg_valid_hdr(nlh, 0) || gnlh->cmd != CTRL_CMD_DELFAMILY ||
	    genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, ctrl_policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return false;
	return nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]) == c->family;
}

static void print_event(const struct ctl *c, struct nlattr **tb)
{
	uint32_t ev = attr_u32(tb, MSGPASS_A_EVENT);
	const char *name = ev < ARRAY_SIZE(event_names) ? event_names[ev] : NULL;
	char tbuf[64] = "", unknown[32];

	if (!name) {
		snprintf(unknown, sizeof(unknown), "unknown-%u", ev);
		name = unknown;
	}
	if (c->o.timestamp) {
		struct timeval tv;
		struct tm tm;

		gettimeofday(&tv, NULL);
		if (localtime_r(&tv.tv_sec, &tm)) {
			size_t n = strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm);

			snprintf(tbuf + n, sizeof(tbuf) - n, ".%03ld", (long)tv.tv_usec / 1000);
		}
	}

	if (c->o.json) {
		struct json j = { .f = stdout };

		json_open(&j, NULL, '{');
		if (c->o.timestamp)
			json_str(&j, "time", tbuf);
		json_str(&j, "event", name);
		if (tb[MSGPASS_A_MBOX_ID])
			json_s64(&j, "mbox_id", attr_s32(tb, MSGPASS_A_MBOX_ID));
		if (tb[MSGPASS_A_NAME])
			json_str(&j, "name", nla_get_string(tb[MSGPASS_A_NAME]));
		if (tb[MSGPASS_A_PID])
			json_s64(&j, "pid", attr_s32(tb, MSGPASS_A_PID));
		if (tb[MSGPASS_A_REASON])
			json_str(&j, "reason", reason_name(attr_u32(tb, MSGPASS_A_REASON)));
		if (tb[MSGPASS_A_OVERRUNS])
			json_u64(&j, "overruns", attr_u64(tb, MSGPASS_A_OVERRUNS));
		json_close(&j, '}');
	} else {
		char nm[4 * MP_NAME_MAX + 8];

		if (c->o.timestamp)
			printf("%s ", tbuf);
		fputs(name, stdout);
		if (tb[MSGPASS_A_MBOX_ID])
			printf(" id=%d", attr_s32(tb, MSGPASS_A_MBOX_ID));
		if (tb[MSGPASS_A_NAME])
			printf(" name=%s", fmt_name(nm, sizeof(nm),
						    nla_get_string(tb[MSGPASS_A_NAME])));
		if (tb[MSGPASS_A_PID])
			printf(" pid=%d", attr_s32(tb, MSGPASS_A_PID));
		if (tb[MSGPASS_A_REASON])
			printf(" reason=%s", reason_name(attr_u32(tb, MSGPASS_A_REASON)));
		if (tb[MSGPASS_A_OVERRUNS])
			printf(" overruns=%" PRIu64, attr_u64(tb, MSGPASS_A_OVERRUNS));
	}
	putchar('\n');
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct watch *w = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[MSGPASS_A_MAX + 1];
	struct genlmsghdr *gnlh;

	if (nlh->nlmsg_type == GENL_ID_CTRL) {
		if (!family_removed(w->c, nlh))
			return NL_SKIP;
		w->unloaded = true;
		w->done = true;
		return NL_STOP;
	}
	if (nlh->nlmsg_type != w->c->family)
		return NL_SKIP;
	if (genlmsg_parse(nlh, 0, tb, MSGPASS_A_MAX, mp_policy) < 0) {
		warnx("watch: ignoring a malformed event");
		return NL_SKIP;
	}
	gnlh = nlmsg_data(nlh);
	if (gnlh->cmd != MSGPASS_CMD_EVENT || !tb[MSGPASS_A_EVENT])
		return NL_SKIP;
	print_event(w->c, tb);
	if (fflush(stdout) == EOF) {
		w->err = errno;
		w->done = true;
		return NL_STOP;
	}
	if (w->c->o.has_count && ++w->seen >= w->c->o.count) {
		w->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

static int cmd_watch(struct ctl *c, int argc, char **argv)
{
	struct watch w = { .c = c };
	int grp, ctrl_grp, err, ret = 0;

	if (argc)
		return usage_error("watch: unexpected argument '%s'", argv[0]);
	if (c->o.has_count && !c->o.count)
		return 0;
	ret = open_netlink(c);
	if (ret)
		return ret;
	/*
	 * Both groups are looked up before joining either: once joined, an
	 * event could arrive in the middle of a lookup's reply. nlctrl's
	 * "notify" group says when the module goes away; without it a
	 * watcher would wait forever.
	 */
	grp = genl_ctrl_resolve_grp(c->sk, MSGPASS_GENL_NAME, MSGPASS_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		warnx("watch: cannot find the multicast group \"%s\": %s",
		      MSGPASS_GENL_MCGRP_EVENTS, nl_geterror(grp));
		return EXIT_ERROR;
	}
	ctrl_grp = genl_ctrl_resolve_grp(c->sk, "nlctrl", "notify");
	if (ctrl_grp < 0) {
		warnx("watch: cannot find nlctrl's multicast group \"notify\": %s",
		      nl_geterror(ctrl_grp));
		return EXIT_ERROR;
	}
	err = nl_socket_add_membership(c->sk, grp);
	if (!err)
		err = nl_socket_add_membership(c->sk, ctrl_grp);
	if (err < 0) {
		warnx("watch: cannot join the multicast groups: %s", nl_geterror(err));
		return err == -NLE_PERM || err == -NLE_NOACCESS ? EXIT_PERM : EXIT_ERROR;
	}
	/* Events are not replies: no sequence numbers to check. */
	nl_socket_disable_seq_check(c->sk);
	nl_socket_set_buffer_size(c->sk, 1 << 20, 0);

	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &w);
	while (!w.done) {
		err = nl_recvmsgs_default(c->sk);
		if (w.done)
			break;
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed, events were lost. */
			warnx("watch: events were lost (receive buffer overrun)");
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			warnx("watch: receiving events: %s", nl_geterror(err));
			ret = EXIT_ERROR;
			break;
		}
	}
	if (w.err) {
		warnx("watch: writing: %s", strerror(w.err));
		ret = EXIT_ERROR;
	} else if (w.unloaded) {
		warnx("watch: the msgpass module was unloaded");
		ret = EXIT_NOMODULE;
	}
	return ret;
}

/* --- main --------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] [COMMAND [ARGS]]\n"
"\n"
"Look at and manage msgpass IPC objects (the generic netlink family \"%s\").\n"
"\n"
"Commands:\n"
"  list                  mailboxes you may read (the default command)\n"
"  show ID|NAME          one mailbox, every field\n"
"  rm ID|NAME...         remove mailboxes, waking their callers with EIDRM\n"
"  links [--pid PID]     links between processes (of PID only)\n"
"  endpoints [PID]       processes that have %s open\n"
"  limits                module limits, object totals, queued bytes per user\n"
"  watch [--count N]     print events as they happen, one per line\n"
"\n"
"Options:\n"
"  -j, --json            machine-readable output: an array of objects (one\n"
"                        per line) for list, links and endpoints, an object\n"
"                        for show and limits, an object per line for watch;\n"
"                        unlimited bounds are null\n"
"  -b, --bytes           sizes in bytes rather than KiB, MiB...\n"
"  -n, --name            show/rm: the arguments are names, even numeric ones\n"
"  -p, --pid PID         links, endpoints: only those of process PID\n"
"  -c, --count N         watch: exit after N events\n"
"  -t, --timestamp       watch: prefix each event with the time\n"
"  -h, --help            this help\n"
"  -V, --version         print the version\n"
"\n"
"A numeric mailbox argument is an ID, anything else a name. Exit status:\n"
"0 success, 1 usage error, 2 module not loaded, 3 permission denied,\n"
"4 no such mailbox, 5 other errors. See msgpassctl(8).\n",
		prog, MSGPASS_GENL_NAME, MSGPASS_DEVICE);
}

enum {
	OPT_PID		= 1 << 0,
	OPT_COUNT	= 1 << 1,
	OPT_NAME	= 1 << 2,
	OPT_TIMESTAMP	= 1 << 3,
};

struct command {
	const char *name;
	const char *alias;
	int (*fn)(struct ctl *c, int argc, char **argv);
	unsigned int opts;	/* OPT_* it accepts beyond the global ones */
};

static const struct command commands[] = {
	{ "list",	"ls",		cmd_list,	0 },
	{ "show",	"info",		cmd_show,	OPT_NAME },
	{ "rm",		"remove",	cmd_rm,		OPT_NAME },
	{ "links",	NULL,		cmd_links,	OPT_PID },
	{ "endpoints",	"ep",		cmd_endpoints,	OPT_PID },
	{ "limits",	"stats",	cmd_limits,	0 },
	{ "watch",	"monitor",	cmd_watch,	OPT_COUNT | OPT_TIMESTAMP },
};

static const char *const opt_names[] = {
	"--pid", "--count", "--name", "--timestamp",
};

static bool parse_ulong(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (!s[0] || s[0] == '-')
		return false;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && !*end && *v <= max;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json",	no_argument,		NULL, 'j' },
		{ "bytes",	no_argument,		NULL, 'b' },
		{ "name",	no_argument,		NULL, 'n' },
		{ "pid",	required_argument,	NULL, 'p' },
		{ "count",	required_argument,	NULL, 'c' },
		{ "timestamp",	no_argument,		NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = &commands[0];
	struct ctl c = { 0 };
	unsigned int given = 0;
	unsigned long v;
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "jbnp:c:thV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			c.o.json = true;
			break;
		case 'b':
			c.o.bytes = true;
			break;
		case 'n':
			c.o.by_name = true;
			given |= OPT_NAME;
			break;
		case 'p':
			if (!parse_ulong(optarg, INT32_MAX, &v) || !v)
				return usage_error("--pid: '%s' is not a process ID", optarg);
			c.o.pid = (int)v;
			c.o.has_pid = true;
			given |= OPT_PID;
			break;
		case 'c':
			if (!parse_ulong(optarg, ULONG_MAX, &v))
				return usage_error("--count: '%s' is not a number", optarg);
			c.o.count = v;
			c.o.has_count = true;
			given |= OPT_COUNT;
			break;
		case 't':
			c.o.timestamp = true;
			given |= OPT_TIMESTAMP;
			break;
		case 'h':
			usage(stdout);
			return fflush(stdout) ? EXIT_ERROR : 0;
		case 'V':
			printf("%s %s (netlink family \"%s\" version %d)\n", prog,
			       MSGPASSCTL_VERSION, MSGPASS_GENL_NAME, MSGPASS_GENL_VERSION);
			return fflush(stdout) ? EXIT_ERROR : 0;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", prog);
			return EXIT_USAGE;
		}
	}

	if (optind < argc) {
		const char *name = argv[optind++];

		cmd = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
			if (!strcmp(name, commands[i].name) ||
			    (commands[i].alias && !strcmp(name, commands[i].alias))) {
				cmd = &commands[i];
				break;
			}
		}
		if (!cmd)
			return usage_error("unknown command '%s'", name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(opt_names); i++) {
		if (given & ~cmd->opts & (1u << i))
			return usage_error("%s: option %s does not apply", cmd->name,
					   opt_names[i]);
	}

	ret = cmd->fn(&c, argc - optind, argv + optind);
	nl_socket_free(c.sk);

	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnx("writing output: %s", strerror(errno));
		if (!ret)
			ret = EXIT_ERROR;
	}
	return ret;
}
