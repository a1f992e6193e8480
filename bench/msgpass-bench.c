// SPDX-License-Identifier: GPL-2.0
/*
 * msgpass-bench: msgpass side by side with pipes, Unix sockets, System V
 * and POSIX message queues and a futex on shared memory, in one run.
 *
 *   msgpass-bench [options]            measure; tables on stdout, CSV
 *   msgpass-bench --report DIR         the goals and results.md from the
 *                                      CSV of one or more runs in DIR
 *
 * See bench/README.md for what is measured and how, and --help.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/futex.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <msgpass.h>

#include "bench.h"

struct opts opt;
static int smp = 1;
static FILE *csv_results, *csv_trials, *csv_notes, *csv_env;

/* ===================================================================== */
/* utilities                                                              */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t cpu_ns(double *sys)
{
	struct rusage ru;
	uint64_t u, s;

	getrusage(RUSAGE_SELF, &ru);
	u = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000;
	s = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000;
	if (sys)
		*sys = (double)s;
	return u + s;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "msgpass-bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void vlog(const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

void *shm_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, len);
	return p;
}

void shm_free(void *p, size_t len)
{
	if (p)
		munmap(p, len);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Nearest rank; sorts @v. */
double percentile_u64(uint64_t *v, long n, double pct)
{
	long idx;

	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	idx = (long)ceil(pct / 100.0 * (double)n) - 1;
	if (idx < 0)
		idx = 0;
	if (idx >= n)
		idx = n - 1;
	return (double)v[idx];
}

const char *size_str(size_t size)
{
	static char buf[8][32];
	static int k;
	char *b = buf[k++ % 8];

	if (size >= (1u << 20) && size % (1u << 20) == 0)
		snprintf(b, 32, "%zu MiB", size >> 20);
	else if (size >= 1024 && size % 1024 == 0)
		snprintf(b, 32, "%zu KiB", size >> 10);
	else
		snprintf(b, 32, "%zu B", size);
	return b;
}

int futex_wait(uint32_t *addr, uint32_t val)
{
	return (int)syscall(SYS_futex, addr, FUTEX_WAIT, val, NULL, NULL, 0);
}

int futex_wake(uint32_t *addr, int n)
{
	return (int)syscall(SYS_futex, addr, FUTEX_WAKE, n, NULL, NULL, 0);
}

void barrier_init(struct barrier *b, uint32_t n)
{
	b->count = 0;
	b->gen = 0;
	b->n = n;
}

void barrier_wait(struct barrier *b)
{
	uint32_t gen = __atomic_load_n(&b->gen, __ATOMIC_ACQUIRE);

	if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == b->n) {
		__atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
		__atomic_add_fetch(&b->gen, 1, __ATOMIC_RELEASE);
		futex_wake(&b->gen, INT_MAX);
		return;
	}
	while (__atomic_load_n(&b->gen, __ATOMIC_ACQUIRE) == gen)
		futex_wait(&b->gen, gen);
}

/* ===================================================================== */
/* results                                                                */

struct note {
	int smp;
	enum pat_id pat;
	enum mech_id mech;
	size_t size;
	long param;
	char text[200];
};

static struct point *points;
static int npoints, cappoints;
static struct note *notes;
static int nnotes, capnotes;

static void point_add(const struct point *p)
{
	if (npoints == cappoints) {
		cappoints = cappoints ? 2 * cappoints : 512;
		points = realloc(points, (size_t)cappoints * sizeof(*points));
		if (!points)
			die("out of memory");
	}
	points[npoints++] = *p;
}

void res_add(enum pat_id p, enum mech_id m, size_t size, long param,
	     const char *metric, double value, int reps)
{
	struct point pt = { .smp = smp, .pat = p, .mech = m, .size = size,
			    .param = param, .value = value, .reps = reps };

	snprintf(pt.metric, sizeof(pt.metric), "%s", metric);
	point_add(&pt);
	if (csv_results) {
		fprintf(csv_results, "%d,%s,%s,%zu,%ld,%s,%.6g,%d\n", smp, pat_name[p],
			mech_info[m].name, size, param, metric, value, reps);
		fflush(csv_results);
	}
}

const struct point *res_find(int s, enum pat_id p, enum mech_id m,
			     size_t size, long param, const char *metric)
{
	int i;

	for (i = 0; i < npoints; i++) {
		const struct point *pt = &points[i];

		if (pt->smp == s && pt->pat == p && pt->mech == m && pt->size == size &&
		    pt->param == param && !strcmp(pt->metric, metric))
			return pt;
	}
	return NULL;
}

static double res_val(int s, enum pat_id p, enum mech_id m, size_t size,
		      long param, const char *metric)
{
	const struct point *pt = res_find(s, p, m, size, param, metric);

	return pt ? pt->value : NAN;
}

/* Whether view @s has results. */
static int have_view(int s)
{
	int i;

	for (i = 0; i < npoints; i++)
		if (points[i].smp == s)
			return 1;
	return 0;
}

static void note_add(const struct note *n)
{
	if (nnotes == capnotes) {
		capnotes = capnotes ? 2 * capnotes : 128;
		notes = realloc(notes, (size_t)capnotes * sizeof(*notes));
		if (!notes)
			die("out of memory");
	}
	notes[nnotes++] = *n;
}

void res_note(enum pat_id p, enum mech_id m, size_t size, long param,
	      const char *fmt, ...)
{
	struct note n = { .smp = smp, .pat = p, .mech = m, .size = size, .param = param };
	va_list ap;
	char *c;

	va_start(ap, fmt);
	vsnprintf(n.text, sizeof(n.text), fmt, ap);
	va_end(ap);
	for (c = n.text; *c; c++)
		if (*c == ',' || *c == '\n' || *c == '"')
			*c = ';';
	note_add(&n);
	if (csv_notes) {
		fprintf(csv_notes, "%d,%s,%s,%zu,%ld,%s\n", smp, pat_name[p], mech_info[m].name,
			size, param, n.text);
		fflush(csv_notes);
	}
}

static const struct note *note_find(int s, enum pat_id p, enum mech_id m,
				    size_t size, long param, const char *prefix)
{
	int i;

	for (i = 0; i < nnotes; i++) {
		const struct note *n = &notes[i];

		if (n->smp == s && n->pat == p && n->mech == m && n->size == size &&
		    n->param == param && (!prefix || !strncmp(n->text, prefix, strlen(prefix))))
			return n;
	}
	return NULL;
}

void trial_csv(enum pat_id p, enum mech_id m, size_t size, long param,
	       int rep, const struct trial *t)
{
	char note[sizeof(t->note)], *c;

	if (!csv_trials)
		return;
	snprintf(note, sizeof(note), "%s", t->note);
	for (c = note; *c; c++)
		if (*c == ',' || *c == '\n' || *c == '"')
			*c = ';';
	fprintf(csv_trials, "%d,%s,%s,%zu,%ld,%d,%d,%.0f,%.0f,%.0f,%.6g,%.6g,%.0f,%.3f,%.3f,%s\n",
		smp, pat_name[p], mech_info[m].name, size, param, rep, t->ok, t->p50_ns,
		t->p99_ns, t->mean_ns, t->per_s, t->mb_s, t->cpu_ns, t->sys_share, t->csw, note);
	fflush(csv_trials);
}

static void env_add(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void env_add(const char *key, const char *fmt, ...)
{
	char val[256], *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	for (c = val; *c; c++)
		if (*c == ',' || *c == '\n')
			*c = ';';
	if (!opt.quiet)
		printf("  %-22s %s\n", key, val);
	if (csv_env)
		fprintf(csv_env, "%d,%s,%s\n", smp, key, val);
}

/* ===================================================================== */
/* tables                                                                 */

enum fmt { F_US, F_RATE, F_MBS, F_BYTES, F_RATIO, F_CPU, F_NUM, F_INS };

static void fmt_val(char *b, size_t n, double v, enum fmt f)
{
	if (isnan(v)) {
		snprintf(b, n, "-");
		return;
	}
	switch (f) {
	case F_US:
	case F_CPU:
		v /= 1000.0;
		snprintf(b, n, v < 10 ? "%.2f" : v < 1000 ? "%.1f" : "%.0f", v);
		break;
	case F_RATE:
		if (v >= 1e6)
			snprintf(b, n, "%.2fM", v / 1e6);
		else if (v >= 1e3)
			snprintf(b, n, "%.1fk", v / 1e3);
		else
			snprintf(b, n, "%.0f", v);
		break;
	case F_MBS:
		snprintf(b, n, v < 10 ? "%.2f" : v < 1000 ? "%.1f" : "%.0f", v);
		break;
	case F_BYTES:
		snprintf(b, n, "%.0f", v);
		break;
	case F_RATIO:
		snprintf(b, n, "%.2fx", v);
		break;
	case F_NUM:
		snprintf(b, n, "%.2f", v);
		break;
	case F_INS:
		if (v < 1e6)
			snprintf(b, n, "%.0f", v);
		else
			snprintf(b, n, v < 1e8 ? "%.2fM" : "%.0fM", v / 1e6);
		break;
	}
}

/*
 * The views. A results tag is the VM's CPU count, or 0 for -smp 1 under
 * QEMU's -icount, where the guest's clock advances one nanosecond per
 * instruction: every "ns" figure of that view is a count of guest
 * instructions, and every rate is per 10^9 of them.
 */
static const char *view_str(int s)
{
	static char buf[4][32];
	static int k;
	char *b = buf[k++ % 4];

	if (s == 0)
		snprintf(b, 32, "icount, -smp 1");
	else
		snprintf(b, 32, "-smp %d", s);
	return b;
}

/* A time's unit and format in view @s. */
static const char *tunit(int s)
{
	return s == 0 ? "instructions" : "us";
}

static enum fmt tfmt(int s)
{
	return s == 0 ? F_INS : F_US;
}

/* "messages/s" in view @s. */
static const char *per_s(int s, const char *what)
{
	static char buf[4][64];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, 64, s == 0 ? "%s per 10^9 instructions" : "%s/s", what);
	return b;
}

#define TMAXR	24
#define TMAXC	16

struct grid {
	int rows, cols;
	char cell[TMAXR][TMAXC][112];
	char foot[16][240];
	int nfoot;
};

static void grid_foot(struct grid *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void grid_foot(struct grid *g, const char *fmt, ...)
{
	char buf[240];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (i = 0; i < g->nfoot; i++)
		if (!strcmp(g->foot[i], buf))
			return;
	if (g->nfoot < 16)
		snprintf(g->foot[g->nfoot++], sizeof(g->foot[0]), "%s", buf);
}

static void grid_print(FILE *out, struct grid *g, const char *title, int md)
{
	int w[TMAXC] = { 0 }, r, c;

	if (md)
		fprintf(out, "\n**%s**\n\n", title);
	else
		fprintf(out, "\n%s\n", title);
	for (c = 0; c < g->cols; c++)
		for (r = 0; r < g->rows; r++)
			if ((int)strlen(g->cell[r][c]) > w[c])
				w[c] = (int)strlen(g->cell[r][c]);
	for (r = 0; r < g->rows; r++) {
		for (c = 0; c < g->cols; c++) {
			if (md)
				fprintf(out, "| %s ", g->cell[r][c]);
			else if (c == 0)
				fprintf(out, "  %-*s", w[c], g->cell[r][c]);
			else
				fprintf(out, "  %*s", w[c], g->cell[r][c]);
		}
		fprintf(out, md ? "|\n" : "\n");
		if (md && r == 0) {
			for (c = 0; c < g->cols; c++)
				fprintf(out, c ? "| ---: " : "| --- ");
			fprintf(out, "|\n");
		}
	}
	if (g->nfoot)
		fprintf(out, md ? "\n" : "");
	for (r = 0; r < g->nfoot; r++)
		fprintf(out, md ? "- %s\n" : "  * %s\n", g->foot[r]);
}

/* The value of a cell, or why there is none. */
static void cell_for(struct grid *g, char *b, size_t n, int s, enum pat_id p,
		     enum mech_id m, size_t size, long param, const char *metric,
		     enum fmt f)
{
	const struct point *pt = res_find(s, p, m, size, param, metric);
	const struct note *no;

	if (pt) {
		fmt_val(b, n, pt->value, f);
		no = note_find(s, p, m, size, param, "some ");
		if (no) {
			strncat(b, "*", n - strlen(b) - 1);
			grid_foot(g, "*%s %s: %s", mech_info[m].name, size_str(size), no->text);
		}
		return;
	}
	no = note_find(s, p, m, size, param, "n/a");
	if (no) {
		snprintf(b, n, "n/a");
		grid_foot(g, "%s %s", mech_info[m].name, no->text);
		return;
	}
	no = note_find(s, p, m, size, param, "fail");
	if (no) {
		snprintf(b, n, "fail");
		grid_foot(g, "%s %s %s", mech_info[m].name, size_str(size), no->text);
		return;
	}
	snprintf(b, n, "-");
}

/* Sizes and params a pattern has results for, at @s, in order. */
static int sizes_of(int s, enum pat_id p, size_t *out, int max)
{
	int i, k, n = 0;

	for (i = 0; i < npoints + nnotes; i++) {
		size_t sz;

		if (i < npoints) {
			if (points[i].smp != s || points[i].pat != p)
				continue;
			sz = points[i].size;
		} else {
			const struct note *no = &notes[i - npoints];

			if (no->smp != s || no->pat != p)
				continue;
			sz = no->size;
		}
		for (k = 0; k < n && out[k] != sz; k++)
			;
		if (k == n && n < max)
			out[n++] = sz;
	}
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && out[k - 1] > out[k]; k--) {
			size_t t = out[k];

			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

static int params_of(int s, enum pat_id p, size_t size, long *out, int max)
{
	int i, k, n = 0;

	for (i = 0; i < npoints; i++) {
		if (points[i].smp != s || points[i].pat != p || points[i].size != size)
			continue;
		for (k = 0; k < n && out[k] != points[i].param; k++)
			;
		if (k == n && n < max)
			out[n++] = points[i].param;
	}
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && out[k - 1] > out[k]; k--) {
			long t = out[k];

			out[k] = out[k - 1];
			out[k - 1] = t;
		}
	return n;
}

static int mech_has(int s, enum pat_id p, enum mech_id m)
{
	int i;

	for (i = 0; i < npoints; i++)
		if (points[i].smp == s && points[i].pat == p && points[i].mech == m)
			return 1;
	for (i = 0; i < nnotes; i++)
		if (notes[i].smp == s && notes[i].pat == p && notes[i].mech == m &&
		    strncmp(notes[i].text, "slab", 4))
			return 1;
	return 0;
}

/* Rows: mechanisms; columns: sizes. */
static void table_by_size(FILE *out, int md, int s, enum pat_id p, long param,
			  const char *metric, enum fmt f, const char *title)
{
	static struct grid g;
	size_t sizes[TMAXC];
	int ns, i, m, r = 1;

	memset(&g, 0, sizeof(g));
	ns = sizes_of(s, p, sizes, TMAXC - 1);
	if (!ns)
		return;
	snprintf(g.cell[0][0], sizeof(g.cell[0][0]), "mechanism");
	for (i = 0; i < ns; i++)
		snprintf(g.cell[0][i + 1], sizeof(g.cell[0][0]), "%s", size_str(sizes[i]));
	for (m = 0; m < M_NR && r < TMAXR; m++) {
		if (!mech_has(s, p, (enum mech_id)m))
			continue;
		snprintf(g.cell[r][0], sizeof(g.cell[0][0]), "%s", mech_info[m].name);
		for (i = 0; i < ns; i++)
			cell_for(&g, g.cell[r][i + 1], sizeof(g.cell[0][0]), s, p,
				 (enum mech_id)m, sizes[i], param, metric, f);
		r++;
	}
	g.rows = r;
	g.cols = ns + 1;
	grid_print(out, &g, title, md);
}

/* Rows: mechanisms; columns: the params (senders, pairs, live objects). */
static void table_by_param(FILE *out, int md, int s, enum pat_id p, size_t size,
			   const char *metric, enum fmt f, const char *title,
			   const char *colfmt, int ratio)
{
	static struct grid g;
	long params[TMAXC];
	int np, i, m, r = 1;

	memset(&g, 0, sizeof(g));
	np = params_of(s, p, size, params, TMAXC - 2);
	if (!np)
		return;
	snprintf(g.cell[0][0], sizeof(g.cell[0][0]), "mechanism");
	for (i = 0; i < np; i++)
		snprintf(g.cell[0][i + 1], sizeof(g.cell[0][0]), colfmt, params[i]);
	if (ratio && np > 1)
		snprintf(g.cell[0][np + 1], sizeof(g.cell[0][0]), "%ld vs %ld", params[np - 1],
			 params[0]);
	for (m = 0; m < M_NR && r < TMAXR; m++) {
		double a, b;

		if (!mech_has(s, p, (enum mech_id)m))
			continue;
		snprintf(g.cell[r][0], sizeof(g.cell[0][0]), "%s", mech_info[m].name);
		for (i = 0; i < np; i++)
			cell_for(&g, g.cell[r][i + 1], sizeof(g.cell[0][0]), s, p,
				 (enum mech_id)m, size, params[i], metric, f);
		if (ratio && np > 1) {
			a = res_val(s, p, (enum mech_id)m, size, params[np - 1], metric);
			b = res_val(s, p, (enum mech_id)m, size, params[0], metric);
			fmt_val(g.cell[r][np + 1], sizeof(g.cell[0][0]), a / b, F_RATIO);
		}
		r++;
	}
	g.rows = r;
	g.cols = np + 1 + (ratio && np > 1);
	grid_print(out, &g, title, md);
}

static void table_scaling(FILE *out, int md, int s)
{
	static struct grid g;
	size_t sizes[4];
	int m, r = 1, ns;

	memset(&g, 0, sizeof(g));
	ns = sizes_of(s, P_SCALING, sizes, 4);
	if (!ns)
		return;
	snprintf(g.cell[0][0], 64, "mechanism");
	snprintf(g.cell[0][1], 64, "live objects");
	snprintf(g.cell[0][2], 64, "p50 %s", tunit(s));
	snprintf(g.cell[0][3], 64, "p99 %s", tunit(s));
	snprintf(g.cell[0][4], 64, "p50 ratio");
	snprintf(g.cell[0][5], 64, "p99 ratio");
	for (m = 0; m < M_NR; m++) {
		long params[4];
		int np = 0, i;

		for (i = 0; i < npoints; i++) {
			const struct point *pt = &points[i];
			int k;

			if (pt->smp != s || pt->pat != P_SCALING || pt->mech != (enum mech_id)m ||
			    pt->size != sizes[0])
				continue;
			for (k = 0; k < np && params[k] != pt->param; k++)
				;
			if (k == np && np < 4)
				params[np++] = pt->param;
		}
		if (np == 2 && params[0] > params[1]) {
			long t = params[0];

			params[0] = params[1];
			params[1] = t;
		}
		for (i = 0; i < np && r < TMAXR; i++, r++) {
			snprintf(g.cell[r][0], 64, "%s", i ? "" : mech_info[m].name);
			snprintf(g.cell[r][1], 64, "%ld %s", params[i],
				 m == M_DIRECT ? "links" : m == M_SYSV ? "queues" : "mailboxes");
			cell_for(&g, g.cell[r][2], 64, s, P_SCALING, (enum mech_id)m, sizes[0],
				 params[i], "p50_ns", tfmt(s));
			cell_for(&g, g.cell[r][3], 64, s, P_SCALING, (enum mech_id)m, sizes[0],
				 params[i], "p99_ns", tfmt(s));
			if (i) {
				fmt_val(g.cell[r][4], 64,
					res_val(s, P_SCALING, (enum mech_id)m, sizes[0], params[i], "p50_ns") /
					res_val(s, P_SCALING, (enum mech_id)m, sizes[0], params[0], "p50_ns"),
					F_RATIO);
				fmt_val(g.cell[r][5], 64,
					res_val(s, P_SCALING, (enum mech_id)m, sizes[0], params[i], "p99_ns") /
					res_val(s, P_SCALING, (enum mech_id)m, sizes[0], params[0], "p99_ns"),
					F_RATIO);
			}
		}
	}
	g.rows = r;
	g.cols = 6;
	{
		char title[128];

		snprintf(title, sizeof(title),
			 "Scaling: %s round trip with many live objects (%s)", size_str(sizes[0]),
			 view_str(s));
		grid_print(out, &g, title, md);
	}
}

static void table_memory_detail(FILE *out, int md, int s)
{
	int i, any = 0;

	for (i = 0; i < nnotes; i++) {
		const struct note *n = &notes[i];

		if (n->smp != s || n->pat != P_MEMORY || strncmp(n->text, "slab", 4))
			continue;
		if (!any)
			fprintf(out, md ? "\nWhere the slab growth went (objects per message, "
				"cache(object size)):\n\n" :
				"\n  where the slab growth went (objects per message x cache(object size)):\n");
		any = 1;
		fprintf(out, md ? "- %s %s: %s\n" : "    %-8s %-7s %s\n", mech_info[n->mech].name,
			size_str(n->size), n->text + 6);
	}
}

static void table_calls(FILE *out, int md, int s);
static void table_sysvapp(FILE *out, int md, int s);

static void tables_for(FILE *out, int md, int s, unsigned int pats)
{
	const char *v = view_str(s), *u = tunit(s);
	enum fmt tf = tfmt(s);
	char title[200];
	size_t sizes[TMAXC];
	int ns, i;

	if (pats & PAT_BIT(P_PINGPONG)) {
		snprintf(title, sizeof(title), "Ping-pong round trip p50, %s (%s)", u, v);
		table_by_size(out, md, s, P_PINGPONG, 0, "p50_ns", tf, title);
		snprintf(title, sizeof(title), "Ping-pong round trip p99, %s (%s)", u, v);
		table_by_size(out, md, s, P_PINGPONG, 0, "p99_ns", tf, title);
		snprintf(title, sizeof(title),
			 "Ping-pong CPU per round trip, %s, both processes, user+system (%s)",
			 u, v);
		table_by_size(out, md, s, P_PINGPONG, 0, "cpu_ns", tf, title);
		snprintf(title, sizeof(title),
			 "Ping-pong context switches per round trip, both processes (%s)", v);
		table_by_size(out, md, s, P_PINGPONG, 0, "csw", F_NUM, title);
	}
	if (pats & PAT_BIT(P_SYSVAPP))
		table_sysvapp(out, md, s);
	if (pats & PAT_BIT(P_STREAM)) {
		snprintf(title, sizeof(title), "Streaming one way, %s (%s)",
			 per_s(s, "messages"), v);
		table_by_size(out, md, s, P_STREAM, 0, "msgs_per_s", F_RATE, title);
		snprintf(title, sizeof(title), "Streaming one way, %s (%s)",
			 per_s(s, "MB of body"), v);
		table_by_size(out, md, s, P_STREAM, 0, "mb_per_s", F_MBS, title);
		snprintf(title, sizeof(title),
			 "Streaming CPU per message, %s, sender + receiver, user+system (%s)",
			 u, v);
		table_by_size(out, md, s, P_STREAM, 0, "cpu_ns", tf, title);
		snprintf(title, sizeof(title),
			 "Streaming context switches per message, sender + receiver (%s)", v);
		table_by_size(out, md, s, P_STREAM, 0, "csw", F_NUM, title);
	}
	if (pats & PAT_BIT(P_FANIN)) {
		ns = sizes_of(s, P_FANIN, sizes, TMAXC);
		for (i = 0; i < ns; i++) {
			snprintf(title, sizeof(title), "Fan-in, %s %s at the receiver (%s)",
				 size_str(sizes[i]), per_s(s, "messages"), v);
			table_by_param(out, md, s, P_FANIN, sizes[i], "msgs_per_s", F_RATE, title,
				       "%ld -> 1", 1);
		}
	}
	if (pats & PAT_BIT(P_PAIRS)) {
		ns = sizes_of(s, P_PAIRS, sizes, TMAXC);
		for (i = 0; i < ns; i++) {
			snprintf(title, sizeof(title),
				 "Independent pairs, %s %s, all pairs together (%s)",
				 size_str(sizes[i]), per_s(s, "round trips"), v);
			table_by_param(out, md, s, P_PAIRS, sizes[i], "rt_per_s", F_RATE, title,
				       "%ld pairs", 1);
		}
	}
	if (pats & PAT_BIT(P_SCALING))
		table_scaling(out, md, s);
	if (pats & PAT_BIT(P_CALLS))
		table_calls(out, md, s);
	if (pats & PAT_BIT(P_SELF)) {
		snprintf(title, sizeof(title),
			 "One process to itself: %s per message, send + receive, no wakeups (%s)",
			 u, v);
		table_by_size(out, md, s, P_SELF, 0, "ns_per_msg", tf, title);
	}
	if (pats & PAT_BIT(P_MEMORY)) {
		snprintf(title, sizeof(title),
			 "Kernel memory per queued message: slab bytes, objects x object size (%s)",
			 v);
		table_by_size(out, md, s, P_MEMORY, 0, "slab_bytes", F_BYTES, title);
		table_memory_detail(out, md, s);
	}
}

/* ===================================================================== */
/* the measurements                                                       */

static double scaled(double base, double min)
{
	double v = base * opt.scale;

	return v < min ? min : v;
}

static long pp_iters(size_t size)
{
	double base = size <= 4096 ? 2000 : 2000.0 * 4096 / (double)size;

	return opt.smoke ? 20 : (long)scaled(base, 30);
}

/* The most messages a one-way trial sends; calibrate() usually sends fewer. */
static long st_msgs(size_t size)
{
	double base = size <= 1024 ? 200000 : 200000.0 * 1024 / (double)size;

	return opt.smoke ? 100 : (long)scaled(base, 40);
}

static int mech_on(enum mech_id m, enum pat_id p)
{
	return (opt.mechs & MECH_BIT(m)) && (mech_info[m].patterns & PAT_BIT(p));
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void progress(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Which of the reps to run @m in: alternate the order every repetition. */
static int order_at(int rep, int i)
{
	return rep % 2 ? M_NR - 1 - i : i;
}

struct acc {
	double v[8][64];
	int n;
	int fails;
	char note[96];
};

static void acc_add(struct acc *a, const struct trial *t, const double *vals, int nv)
{
	int i;

	if (!t->ok) {
		a->fails++;
		if (!a->note[0])
			snprintf(a->note, sizeof(a->note), "%s", t->note);
		return;
	}
	if (a->n >= 64)
		return;
	for (i = 0; i < nv; i++)
		a->v[i][a->n] = vals[i];
	a->n++;
}

/* Medians of what was measured, under @names; notes for what failed. */
static void acc_store(struct acc *a, enum pat_id p, enum mech_id m, size_t size,
		      long param, const char *const *names, int nv)
{
	int i;

	if (!a->n) {
		res_note(p, m, size, param, "fail: %s", a->note[0] ? a->note : "no result");
		return;
	}
	for (i = 0; i < nv; i++)
		res_add(p, m, size, param, names[i], median(a->v[i], a->n), a->n);
	if (a->fails)
		res_note(p, m, size, param, "some runs failed (%d of %d): %s", a->fails,
			 a->fails + a->n, a->note);
}

static int cannot_note(enum mech_id m, enum pat_id p, size_t size, long param)
{
	const char *why = mech_cannot(m, p, size);

	if (!why)
		return 0;
	res_note(p, m, size, param, "n/a: %s", why);
	return 1;
}

static void do_pingpong(void)
{
	static const char *const names[] = { "p50_ns", "p99_ns", "mean_ns", "rt_per_s", "cpu_ns",
					     "sys_share", "csw" };
	int si, rep, i;

	for (si = 0; si < opt.nsizes; si++) {
		size_t size = opt.sizes[si];
		long iters = pp_iters(size);
		static struct acc acc[M_NR];
		unsigned int skip = 0;

		memset(acc, 0, sizeof(acc));
		for (i = 0; i < M_NR; i++)
			if (mech_on((enum mech_id)i, P_PINGPONG) &&
			    cannot_note((enum mech_id)i, P_PINGPONG, size, 0))
				skip |= MECH_BIT(i);
		progress("pingpong %s x%ld:", size_str(size), iters);
		for (rep = 0; rep < opt.reps; rep++) {
			for (i = 0; i < M_NR; i++) {
				enum mech_id m = (enum mech_id)order_at(rep, i);
				struct trial t;

				if (!mech_on(m, P_PINGPONG) || (skip & MECH_BIT(m)))
					continue;
				run_pingpong(m, size, iters, 0, &t);
				trial_csv(P_PINGPONG, m, size, 0, rep, &t);
				acc_add(&acc[m], &t, (double[]){ t.p50_ns, t.p99_ns, t.mean_ns,
						 t.per_s, t.cpu_ns, t.sys_share, t.csw }, 7);
				if (!t.ok)
					progress(" [%s: %s]", mech_info[m].name, t.note);
			}
			progress(" %d", rep + 1);
		}
		progress("\n");
		for (i = 0; i < M_NR; i++)
			if (mech_on((enum mech_id)i, P_PINGPONG) && !(skip & MECH_BIT(i)))
				acc_store(&acc[i], P_PINGPONG, (enum mech_id)i, size, 0, names, 7);
	}
}

/*
 * Messages for a one-way trial of about opt.target seconds, at most @max,
 * from pilots of growing size: a slow mechanism (a memfd per message, a
 * synchronous send) does not take the whole run, a fast one (the futex
 * ring) still runs long enough to be timed.
 */
static long calibrate(enum mech_id m, size_t size, long max, long senders)
{
	long pilot = max / 100 > 40 ? max / 100 : 40, n;
	struct trial t;
	int tries;

	if (opt.smoke || pilot >= max)
		return max;
	for (tries = 0;; tries++) {
		if (run_stream(m, size, pilot, (int)senders, &t) < 0 || t.per_s <= 0)
			return max;
		/* Long enough to tell the rate: a tenth of the target. */
		if (tries == 3 || pilot * 10 > max || (double)pilot / t.per_s >= opt.target / 10)
			break;
		pilot *= 10;
	}
	n = (long)(t.per_s * opt.target);
	if (n < 40)
		n = 40;
	if (n > max)
		n = max;
	vlog("calibrate %s %s x%ld: %.0f/s -> %ld\n", mech_info[m].name, size_str(size),
	     senders, t.per_s, n);
	return n;
}

/* The one-way patterns store senders as the param; streaming has one. */
#define PV(k)	(p == P_STREAM ? 0 : params[k])

static void do_stream(enum pat_id p, const size_t *sizes, int nsizes,
		      const long *params, int nparams)
{
	static const char *const names[] = { "msgs_per_s", "mb_per_s", "cpu_ns", "sys_share", "csw" };
	int si, rep, i, k;

	for (si = 0; si < nsizes; si++) {
		size_t size = sizes[si];
		long msgs = st_msgs(size);
		static struct acc acc[M_NR][4];
		long count[M_NR][4];
		unsigned int skip = 0;

		memset(acc, 0, sizeof(acc));
		for (i = 0; i < M_NR; i++)
			for (k = 0; k < nparams; k++)
				if (mech_on((enum mech_id)i, p) && !(skip & MECH_BIT(i)) &&
				    cannot_note((enum mech_id)i, p, size, PV(k)))
					skip |= MECH_BIT(i);
		progress("%s %s <=%ld:", pat_name[p], size_str(size), msgs);
		/* A short pilot sizes each mechanism's trials to about the same time. */
		for (i = 0; i < M_NR; i++) {
			if (!mech_on((enum mech_id)i, p) || (skip & MECH_BIT(i)))
				continue;
			for (k = 0; k < nparams; k++)
				count[i][k] = calibrate((enum mech_id)i, size, msgs, params[k]);
		}
		for (rep = 0; rep < opt.reps; rep++) {
			for (i = 0; i < M_NR; i++) {
				enum mech_id m = (enum mech_id)order_at(rep, i);

				if (!mech_on(m, p) || (skip & MECH_BIT(m)))
					continue;
				for (k = 0; k < nparams; k++) {
					int kk = rep % 2 ? nparams - 1 - k : k;
					struct trial t;

					run_stream(m, size, count[m][kk], (int)params[kk], &t);
					trial_csv(p, m, size, PV(kk), rep, &t);
					acc_add(&acc[m][kk], &t, (double[]){ t.per_s, t.mb_s, t.cpu_ns,
							 t.sys_share, t.csw }, 5);
					if (!t.ok)
						progress(" [%s: %s]", mech_info[m].name, t.note);
				}
			}
			progress(" %d", rep + 1);
		}
		progress("\n");
		for (i = 0; i < M_NR; i++) {
			if (!mech_on((enum mech_id)i, p) || (skip & MECH_BIT(i)))
				continue;
			for (k = 0; k < nparams; k++)
				acc_store(&acc[i][k], p, (enum mech_id)i, size, PV(k), names, 5);
		}
	}
}

/* The kernel's work per message without scheduling: one process, both ends. */
static void do_self(void)
{
	static const char *const names[] = { "ns_per_msg", "cpu_ns", "sys_share" };
	int si, rep, i;

	for (si = 0; si < opt.nsizes; si++) {
		size_t size = opt.sizes[si];
		/* What fits in every mechanism's buffer at once (a batch of 32). */
		long msgs = opt.smoke ? 64 : (long)scaled(size <= 4096 ? 4000 : 4000.0 * 4096 / size, 64);
		static struct acc acc[M_NR];
		unsigned int skip = 0;

		memset(acc, 0, sizeof(acc));
		for (i = 0; i < M_NR; i++)
			if (mech_on((enum mech_id)i, P_SELF) &&
			    cannot_note((enum mech_id)i, P_SELF, size, 0))
				skip |= MECH_BIT(i);
		progress("self %s x%ld:", size_str(size), msgs);
		for (rep = 0; rep < opt.reps; rep++) {
			for (i = 0; i < M_NR; i++) {
				enum mech_id m = (enum mech_id)order_at(rep, i);
				struct trial t;

				if (!mech_on(m, P_SELF) || (skip & MECH_BIT(m)))
					continue;
				run_self(m, size, msgs, &t);
				trial_csv(P_SELF, m, size, 0, rep, &t);
				acc_add(&acc[m], &t, (double[]){ t.mean_ns, t.cpu_ns, t.sys_share }, 3);
				if (!t.ok)
					progress(" [%s: %s]", mech_info[m].name, t.note);
			}
			progress(" %d", rep + 1);
		}
		progress("\n");
		for (i = 0; i < M_NR; i++)
			if (mech_on((enum mech_id)i, P_SELF) && !(skip & MECH_BIT(i)))
				acc_store(&acc[i], P_SELF, (enum mech_id)i, size, 0, names, 3);
	}
}

/* The System V application over the kernel's queues and over libmsgpass. */
static void do_sysvapp(void)
{
	static const char *const names[] = { "ns_per_msg", "msgs_per_s", "cpu_ns", "sys_share",
					     "csw" };
	static const enum mech_id ms[] = { M_SYSV, M_SYSVLIB };
	long iters = pp_iters(64);
	static struct acc acc[2];
	int rep, i;

	memset(acc, 0, sizeof(acc));
	progress("sysvapp 64 B x%ld:", iters);
	for (rep = 0; rep < opt.reps; rep++) {
		for (i = 0; i < 2; i++) {
			int k = rep % 2 ? 1 - i : i;
			enum mech_id m = ms[k];
			struct trial t;

			if (!mech_on(m, P_SYSVAPP))
				continue;
			run_sysvapp(m, iters, &t);
			trial_csv(P_SYSVAPP, m, 64, 0, rep, &t);
			acc_add(&acc[k], &t, (double[]){ t.mean_ns, t.per_s, t.cpu_ns, t.sys_share,
					 t.csw }, 5);
			if (!t.ok)
				progress(" [%s: %s]", mech_info[m].name, t.note);
		}
		progress(" %d", rep + 1);
	}
	progress("\n");
	for (i = 0; i < 2; i++)
		if (mech_on(ms[i], P_SYSVAPP))
			acc_store(&acc[i], P_SYSVAPP, ms[i], 64, 0, names, 5);
}

static void do_calls(void)
{
	static const char *const names[] = { "ns_per_call" };
	long iters = opt.smoke ? 200 : (long)scaled(20000, 200);
	static struct acc acc[16];
	int rep, i;

	memset(acc, 0, sizeof(acc));
	progress("calls x%ld:", iters);
	for (rep = 0; rep < opt.reps; rep++) {
		for (i = 0; i < nr_call_ops; i++) {
			int op = rep % 2 ? nr_call_ops - 1 - i : i;
			struct trial t;

			if (call_ops[op].mech != M_NONE && !(opt.mechs & MECH_BIT(call_ops[op].mech)))
				continue;
			run_calls(op, iters, &t);
			trial_csv(P_CALLS, call_ops[op].mech, 0, op, rep, &t);
			acc_add(&acc[op], &t, (double[]){ t.mean_ns }, 1);
			if (!t.ok)
				progress(" [%s: %s]", call_ops[op].what, t.note);
		}
		progress(" %d", rep + 1);
	}
	progress("\n");
	for (i = 0; i < nr_call_ops; i++)
		if (acc[i].n || acc[i].fails)
			acc_store(&acc[i], P_CALLS, call_ops[i].mech, 0, i, names, 1);
}

static void table_calls(FILE *out, int md, int s)
{
	static struct grid g;
	int i, r = 1;

	memset(&g, 0, sizeof(g));
	snprintf(g.cell[0][0], 64, "call");
	snprintf(g.cell[0][1], 64, "%s per call", tunit(s));
	for (i = 0; i < nr_call_ops && r < TMAXR; i++) {
		const struct point *pt = res_find(s, P_CALLS, call_ops[i].mech, 0, i, "ns_per_call");

		if (!pt)
			continue;
		snprintf(g.cell[r][0], 64, "%s", call_ops[i].what);
		fmt_val(g.cell[r][1], 64, pt->value, tfmt(s));
		r++;
	}
	if (r == 1)
		return;
	g.rows = r;
	g.cols = 2;
	{
		double fl = res_val(s, P_CALLS, M_MAILBOX, 0, CALL_ENOTTY, "ns_per_call") -
			    res_val(s, P_CALLS, M_NONE, 0, CALL_GETPPID, "ns_per_call");
		char title[128], v[32];

		if (!isnan(fl)) {
			fmt_val(v, sizeof(v), fl, tfmt(s));
			grid_foot(&g, "ioctl floor: the unknown ioctl less getppid(), %s %s: what "
				  "every msgpass call pays over a bare system call", v, tunit(s));
		}
		snprintf(title, sizeof(title),
			 "The fixed cost of a call that finds nothing to do (%s)", view_str(s));
		grid_print(out, &g, title, md);
	}
}

/* The System V application over the kernel's queues and over libmsgpass. */
static void table_sysvapp(FILE *out, int md, int s)
{
	static struct grid g;
	static const enum mech_id ms[] = { M_SYSV, M_SYSVLIB };
	double base = res_val(s, P_SYSVAPP, M_SYSV, 64, 0, "ns_per_msg");
	char title[160];
	int i, r = 1;

	memset(&g, 0, sizeof(g));
	snprintf(g.cell[0][0], 64, "mechanism");
	snprintf(g.cell[0][1], 64, "%s per message", tunit(s));
	snprintf(g.cell[0][2], 64, "vs sysv");
	snprintf(g.cell[0][3], 64, "CPU %s per message", tunit(s));
	snprintf(g.cell[0][4], 64, "context switches per message");
	for (i = 0; i < 2; i++) {
		if (!mech_has(s, P_SYSVAPP, ms[i]))
			continue;
		snprintf(g.cell[r][0], 64, "%s", mech_info[ms[i]].name);
		cell_for(&g, g.cell[r][1], 64, s, P_SYSVAPP, ms[i], 64, 0, "ns_per_msg", tfmt(s));
		fmt_val(g.cell[r][2], 64, res_val(s, P_SYSVAPP, ms[i], 64, 0, "ns_per_msg") / base,
			F_RATIO);
		cell_for(&g, g.cell[r][3], 64, s, P_SYSVAPP, ms[i], 64, 0, "cpu_ns", tfmt(s));
		cell_for(&g, g.cell[r][4], 64, s, P_SYSVAPP, ms[i], 64, 0, "csw", F_NUM);
		r++;
	}
	if (r == 1)
		return;
	g.rows = r;
	g.cols = 5;
	snprintf(title, sizeof(title), "System V application: client and server, 64 B requests "
		 "of 4 types, replies by type, IPC_STAT every 100; per message, request or "
		 "reply (%s)", view_str(s));
	grid_print(out, &g, title, md);
}

static void do_pairs(void)
{
	static const char *const names[] = { "rt_per_s", "mean_ns", "cpu_ns", "csw" };
	size_t size = 64;
	static struct acc acc[M_NR][8];
	long iters = opt.smoke ? 20 : (long)scaled(2000, 30);
	int rep, i, k;

	memset(acc, 0, sizeof(acc));
	progress("pairs %s x%ld:", size_str(size), iters);
	for (rep = 0; rep < opt.reps; rep++) {
		for (i = 0; i < M_NR; i++) {
			enum mech_id m = (enum mech_id)order_at(rep, i);

			if (!mech_on(m, P_PAIRS))
				continue;
			for (k = 0; k < opt.npairs; k++) {
				int kk = rep % 2 ? opt.npairs - 1 - k : k;
				struct trial t;

				run_pairs(m, size, iters, opt.pairs[kk], &t);
				trial_csv(P_PAIRS, m, size, opt.pairs[kk], rep, &t);
				acc_add(&acc[m][kk], &t, (double[]){ t.per_s, t.mean_ns, t.cpu_ns, t.csw }, 4);
				if (!t.ok)
					progress(" [%s: %s]", mech_info[m].name, t.note);
			}
		}
		progress(" %d", rep + 1);
	}
	progress("\n");
	for (i = 0; i < M_NR; i++) {
		if (!mech_on((enum mech_id)i, P_PAIRS))
			continue;
		for (k = 0; k < opt.npairs; k++)
			acc_store(&acc[i][k], P_PAIRS, (enum mech_id)i, size, opt.pairs[k], names, 4);
	}
}

static void do_scaling(void)
{
	static const char *const names[] = { "p50_ns", "p99_ns", "mean_ns", "cpu_ns" };
	size_t size = 64;
	long iters = opt.smoke ? 20 : (long)scaled(2000, 30);
	static const enum mech_id mechs[] = { M_MAILBOX, M_SYSV, M_DIRECT };
	static struct acc acc[3][2];
	int nbg = opt.mailboxes - 2 > 0 ? opt.mailboxes - 2 : 0;
	int *ids = calloc((size_t)nbg + 1, sizeof(int));
	int rep, i, k;

	if (!ids)
		die("out of memory");
	memset(acc, 0, sizeof(acc));
	progress("scaling %s x%ld:", size_str(size), iters);
	for (rep = 0; rep < opt.reps; rep++) {
		for (i = 0; i < 3; i++) {
			enum mech_id m = mechs[rep % 2 ? 2 - i : i];
			int mi = rep % 2 ? 2 - i : i;

			if (!mech_on(m, P_SCALING))
				continue;
			for (k = 0; k < 2; k++) {
				int loaded = rep % 2 ? !k : k;
				struct trial t;
				int made = 0;

				memset(&t, 0, sizeof(t));
				if (m == M_DIRECT) {
					run_pingpong_links(size, iters, loaded ? opt.links : 1, &t);
				} else {
					if (loaded) {
						made = (m == M_SYSV ? bg_sysv_make(nbg, ids) :
							bg_mailboxes_make(nbg, ids)) == 0;
						if (!made)
							snprintf(t.note, sizeof(t.note), "%s",
								 mech_errstr());
					}
					if (!loaded || made)
						run_pingpong(m, size, iters, 0, &t);
					if (made)
						bg_mailboxes_drop(nbg, ids, m == M_SYSV);
				}
				trial_csv(P_SCALING, m, size,
					  m == M_DIRECT ? (loaded ? opt.links : 1) :
					  (loaded ? opt.mailboxes : 2), rep, &t);
				acc_add(&acc[mi][loaded], &t, (double[]){ t.p50_ns, t.p99_ns,
						 t.mean_ns, t.cpu_ns }, 4);
				if (!t.ok)
					progress(" [%s: %s]", mech_info[m].name, t.note);
			}
		}
		progress(" %d", rep + 1);
	}
	progress("\n");
	for (i = 0; i < 3; i++) {
		enum mech_id m = mechs[i];

		if (!mech_on(m, P_SCALING))
			continue;
		for (k = 0; k < 2; k++)
			acc_store(&acc[i][k], P_SCALING, m, size,
				  m == M_DIRECT ? (k ? opt.links : 1) : (k ? opt.mailboxes : 2),
				  names, 4);
	}
	free(ids);
}

static void do_memory(void)
{
	int si, rep, i, reps = opt.reps < 3 ? opt.reps : 3;

	for (si = 0; si < opt.nmsizes; si++) {
		size_t size = opt.msizes[si];
		long count = (long)((16u << 20) / (size ? size : 1));
		static struct acc acc[M_NR];
		char caches[M_NR][256];

		if (count > 10000)
			count = 10000;
		if (count < 16)
			count = 16;
		if (opt.smoke && count > 64)
			count = 64;
		memset(acc, 0, sizeof(acc));
		memset(caches, 0, sizeof(caches));
		progress("memory %s x%ld:", size_str(size), count);
		for (rep = 0; rep < reps; rep++) {
			for (i = 0; i < M_NR; i++) {
				enum mech_id m = (enum mech_id)order_at(rep, i);
				struct memcost mc;
				struct trial t = { 0 };

				if (!mech_on(m, P_MEMORY))
					continue;
				if (mech_cannot(m, P_MEMORY, size)) {
					if (!rep)
						cannot_note(m, P_MEMORY, size, 0);
					continue;
				}
				run_memory(m, size, count, &mc);
				t.ok = mc.ok;
				t.per_s = mc.slab_bytes;
				snprintf(t.note, sizeof(t.note), "%.95s", mc.ok ? mc.caches : mc.note);
				trial_csv(P_MEMORY, m, size, 0, rep, &t);
				acc_add(&acc[m], &t, (double[]){ mc.slab_bytes }, 1);
				if (mc.ok && !caches[m][0])
					snprintf(caches[m], sizeof(caches[m]), "%s", mc.caches);
				if (!mc.ok)
					progress(" [%s: %s]", mech_info[m].name, mc.note);
			}
			progress(" %d", rep + 1);
		}
		progress("\n");
		for (i = 0; i < M_NR; i++) {
			static const char *const names[] = { "slab_bytes" };

			if (!mech_on((enum mech_id)i, P_MEMORY) ||
			    mech_cannot((enum mech_id)i, P_MEMORY, size))
				continue;
			acc_store(&acc[i], P_MEMORY, (enum mech_id)i, size, 0, names, 1);
			if (caches[i][0])
				res_note(P_MEMORY, (enum mech_id)i, size, 0, "slab: %s", caches[i]);
		}
	}
}

/* ===================================================================== */
/* goals                                                                  */

enum cmp { LE, GE, INFO };

enum goal_id {
	G_MAILBOX_RT, G_DIRECT_RT, G_CALL_RT, G_SELF, G_STREAM, G_BATCH, G_EMPTY_RCV,
	G_MEMORY, G_SYSVAPP, G_SMP2, G_BINDER,
};

struct goal {
	const char *label;
	const char *what;
	const char *target;
	double limit;
	enum cmp cmp;
	enum goal_id id;
	int ncalls;		/* msgpass ioctls in the measured operation: floor-adjusted */
	int smp2;		/* its -smp 2 ratio is goal 8's */
};

/*
 * The goals of "Fast path: per-message cost at or below System V, counted
 * exactly in instructions". Judged on the icount view (tag 0) when the
 * results have one, else on -smp 1; the -smp 1 and -smp 2 wall-time
 * ratios are shown next to each. 64-byte bodies unless said.
 */
static const struct goal goals[] = {
	{ "1", "mailbox round trip vs the better of System V and POSIX queues",
	  "<= 1.00x (aim 0.90x)", 1.0, LE, G_MAILBOX_RT, 4, 1 },
	{ "2", "direct-link round trip vs pipe", "<= 1.00x", 1.0, LE, G_DIRECT_RT, 4, 1 },
	{ "3", "call/reply round trip vs System V round trip", "<= 0.85x", 0.85, LE, G_CALL_RT,
	  0, 1 },
	{ "4", "send + receive to self, mailbox vs System V", "<= 1.00x", 1.0, LE, G_SELF, 2, 1 },
	{ "5a", "streaming messages/s, mailbox vs System V", ">= 1.00x", 1.0, GE, G_STREAM, 0,
	  1 },
	{ "5b", "streaming messages/s, batches of 32 vs System V", ">= 3x", 3.0, GE, G_BATCH, 0,
	  1 },
	{ "6a", "empty non-blocking receive, mp_msgrcv vs msgrcv", "<= 1.5x", 1.5, LE,
	  G_EMPTY_RCV, 1, 0 },
	{ "6b", "kernel memory per queued 8 B message, mailbox vs System V", "<= 2x", 2.0, LE,
	  G_MEMORY, 0, 0 },
	{ "7", "System V application over libmsgpass vs over System V, time per message",
	  "<= 1.00x", 1.0, LE, G_SYSVAPP, 0, 0 },
	{ "8", "(informational) the -smp 2 ratios of goals 1 to 5b", "-", 0, INFO, G_SMP2, 0, 0 },
	{ "9", "call round trip vs Binder round trip", "<= 0.50x", 0.5, LE, G_BINDER, 0, 0 },
};

#define NR_GOALS	((int)(sizeof(goals) / sizeof(goals[0])))

/* What an ioctl costs over a bare system call in view @s (NAN: unknown). */
static double ioctl_floor(int s)
{
	return res_val(s, P_CALLS, M_MAILBOX, 0, CALL_ENOTTY, "ns_per_call") -
	       res_val(s, P_CALLS, M_NONE, 0, CALL_GETPPID, "ns_per_call");
}

/* A time for the goals table: "86.3 us", or "16953 ins" under -icount. */
static const char *tstr(double ns, int s)
{
	static char buf[8][32];
	static int k;
	char *b = buf[k++ % 8];

	if (s == 0)
		snprintf(b, 32, "%.0f ins", ns);
	else if (ns < 1e6)
		snprintf(b, 32, "%.1f us", ns / 1e3);
	else
		snprintf(b, 32, "%.2f ms", ns / 1e6);
	return b;
}

/* A rate for the goals table; under -icount, instructions per message. */
static const char *rstr(double per_s, int s)
{
	static char buf[8][32];
	static int k;
	char *b = buf[k++ % 8];

	if (s == 0)
		snprintf(b, 32, "%.0f ins/msg", 1e9 / per_s);
	else
		snprintf(b, 32, "%.1fk/s", per_s / 1e3);
	return b;
}

/*
 * The ratio of goal @g in view @s and how it was made; with @adj, the
 * floor-adjusted ratio too: the msgpass figure less g->ncalls ioctl
 * floors, over the same other figure.
 */
static double goal_ratio(const struct goal *g, int s, char *how, size_t n, double *adj)
{
	double a = NAN, b = NAN;

	if (adj)
		*adj = NAN;
	switch (g->id) {
	case G_MAILBOX_RT: {
		double sv = res_val(s, P_PINGPONG, M_SYSV, 64, 0, "p50_ns");
		double px = res_val(s, P_PINGPONG, M_POSIX, 64, 0, "p50_ns");
		int use_sv = isnan(px) || sv <= px;

		a = res_val(s, P_PINGPONG, M_MAILBOX, 64, 0, "p50_ns");
		b = use_sv ? sv : px;
		snprintf(how, n, "mailbox %s / %s %s", tstr(a, s), use_sv ? "sysv" : "posix",
			 tstr(b, s));
		break;
	}
	case G_DIRECT_RT:
		a = res_val(s, P_PINGPONG, M_DIRECT, 64, 0, "p50_ns");
		b = res_val(s, P_PINGPONG, M_PIPE, 64, 0, "p50_ns");
		snprintf(how, n, "direct %s / pipe %s", tstr(a, s), tstr(b, s));
		break;
	case G_CALL_RT:
	case G_BINDER: {
		enum mech_id o = g->id == G_CALL_RT ? M_SYSV : M_BINDER;

		a = res_val(s, P_PINGPONG, M_CALL, 64, 0, "p50_ns");
		b = res_val(s, P_PINGPONG, o, 64, 0, "p50_ns");
		snprintf(how, n, "call %s / %s %s", tstr(a, s), mech_info[o].name, tstr(b, s));
		break;
	}
	case G_SELF:
		a = res_val(s, P_SELF, M_MAILBOX, 64, 0, "ns_per_msg");
		b = res_val(s, P_SELF, M_SYSV, 64, 0, "ns_per_msg");
		snprintf(how, n, "mailbox %s / sysv %s", tstr(a, s), tstr(b, s));
		break;
	case G_STREAM:
	case G_BATCH: {
		enum mech_id m = g->id == G_STREAM ? M_MAILBOX : M_BATCH;

		a = res_val(s, P_STREAM, m, 64, 0, "msgs_per_s");
		b = res_val(s, P_STREAM, M_SYSV, 64, 0, "msgs_per_s");
		snprintf(how, n, "%s %s / sysv %s", mech_info[m].name, rstr(a, s), rstr(b, s));
		break;
	}
	case G_EMPTY_RCV:
		a = res_val(s, P_CALLS, M_MAILBOX, 0, CALL_MP_MSGRCV, "ns_per_call");
		b = res_val(s, P_CALLS, M_SYSV, 0, CALL_MSGRCV, "ns_per_call");
		snprintf(how, n, "mp_msgrcv %s / msgrcv %s", tstr(a, s), tstr(b, s));
		break;
	case G_MEMORY:
		a = res_val(s, P_MEMORY, M_MAILBOX, 8, 0, "slab_bytes");
		b = res_val(s, P_MEMORY, M_SYSV, 8, 0, "slab_bytes");
		snprintf(how, n, "mailbox %.0f B / sysv %.0f B", a, b);
		break;
	case G_SYSVAPP:
		a = res_val(s, P_SYSVAPP, M_SYSVLIB, 64, 0, "ns_per_msg");
		b = res_val(s, P_SYSVAPP, M_SYSV, 64, 0, "ns_per_msg");
		snprintf(how, n, "sysvlib %s / sysv %s", tstr(a, s), tstr(b, s));
		break;
	case G_SMP2:
		break;
	}
	if (isnan(a) || isnan(b) || b == 0) {
		snprintf(how, n, "not measured");
		return NAN;
	}
	if (adj && g->ncalls)
		*adj = (a - g->ncalls * ioctl_floor(s)) / b;
	return a / b;
}

static int goal_met(const struct goal *g, double r)
{
	return g->cmp == LE ? r <= g->limit : r >= g->limit;
}

/* The view the goals are judged on: icount if measured, else -smp 1 or 2. */
static int judged_view(void)
{
	return have_view(0) ? 0 : have_view(1) ? 1 : 2;
}

/* A ratio; with more digits when two would round it onto the limit. */
static void ratio_cell(char *b, size_t n, double r, const struct goal *g)
{
	if (isnan(r))
		snprintf(b, n, "-");
	else if (g->cmp != INFO && r != g->limit && fabs(r - g->limit) < 0.005)
		snprintf(b, n, "%.4fx", r);
	else
		fmt_val(b, n, r, F_RATIO);
}

static int goals_table(FILE *out, int md, FILE *csv)
{
	static struct grid g;
	int js = judged_view(), i, miss = 0;
	double fl = ioctl_floor(js);
	char title[200], fs[32];

	memset(&g, 0, sizeof(g));
	snprintf(g.cell[0][0], 64, "goal (64 B unless said)");
	snprintf(g.cell[0][1], 64, "target");
	snprintf(g.cell[0][2], 64, "ratio (%s)", js == 0 ? "icount" : view_str(js));
	snprintf(g.cell[0][3], 64, "verdict");
	snprintf(g.cell[0][4], 64, "floor-adjusted");
	snprintf(g.cell[0][5], 64, "measured (%s)", js == 0 ? "icount" : view_str(js));
	snprintf(g.cell[0][6], 64, "-smp 1");
	snprintf(g.cell[0][7], 64, "-smp 2");
	if (csv)
		fprintf(csv, "goal,what,target,smp,ratio,verdict,floor_adjusted,measured,"
			"smp1_ratio,smp2_ratio\n");
	for (i = 0; i < NR_GOALS; i++) {
		const struct goal *go = &goals[i];
		char how[160], how2[160];
		double adj, r, r1 = NAN, r2 = NAN;
		const char *v;

		r = goal_ratio(go, js, how, sizeof(how), &adj);
		if (js != 1)
			r1 = goal_ratio(go, 1, how2, sizeof(how2), NULL);
		if (js != 2)
			r2 = goal_ratio(go, 2, how2, sizeof(how2), NULL);
		if (go->cmp == INFO) {
			int k, beyond = 0, have = 0;

			v = "info";
			for (k = 0; k < NR_GOALS; k++) {
				double x;

				if (!goals[k].smp2)
					continue;
				x = goal_ratio(&goals[k], 2, how2, sizeof(how2), NULL);
				if (isnan(x))
					continue;
				have++;
				beyond += !goal_met(&goals[k], x);
			}
			if (have)
				snprintf(how, sizeof(how), "-smp 2: %d of %d beyond their target "
					 "(last column)", beyond, have);
			else
				snprintf(how, sizeof(how), "no -smp 2 run");
		} else if (isnan(r)) {
			v = "n/a";
		} else if (goal_met(go, r)) {
			v = "PASS";
		} else {
			v = "MISS";
			miss++;
		}
		snprintf(g.cell[i + 1][0], sizeof(g.cell[0][0]), "%s. %s", go->label, go->what);
		snprintf(g.cell[i + 1][1], 64, "%s", go->target);
		ratio_cell(g.cell[i + 1][2], 64, r, go);
		snprintf(g.cell[i + 1][3], 64, "%s", v);
		ratio_cell(g.cell[i + 1][4], 64, adj, go);
		snprintf(g.cell[i + 1][5], sizeof(g.cell[0][0]), "%.100s", how);
		ratio_cell(g.cell[i + 1][6], 64, r1, go);
		ratio_cell(g.cell[i + 1][7], 64, r2, go);
		if (csv)
			fprintf(csv, "%s,\"%s\",\"%s\",%d,%.4f,%s,%.4f,\"%s\",%.4f,%.4f\n",
				go->label, go->what, go->target, js, r, v, adj, how, r1, r2);
	}
	g.rows = i + 1;
	g.cols = 8;
	if (!isnan(fl)) {
		fmt_val(fs, sizeof(fs), fl, tfmt(js));
		grid_foot(&g, "ioctl floor (%s): %s %s, an ioctl of an unknown command (ENOTTY) "
			  "less getppid(): what every msgpass call pays over a bare system call",
			  view_str(js), fs, tunit(js));
		grid_foot(&g, "floor-adjusted: the msgpass figure less that floor once per "
			  "msgpass ioctl (round trips 4, self 2, empty receive 1), over the same "
			  "other figure; the verdict is on the plain ratio");
	} else {
		grid_foot(&g, "floor-adjusted: needs the calls pattern in the judged view");
	}
	if (js == 0)
		grid_foot(&g, "icount = -smp 1 under QEMU -icount: the guest clock counts "
			  "instructions, so its figures are exact instruction counts; -smp 1 and "
			  "-smp 2 are wall-time ratios of the same goals");
	snprintf(title, sizeof(title), "Goals, judged on the %s view",
		 js == 0 ? "icount (instructions)" : js == 1 ? "-smp 1 (wall time)" :
		 "-smp 2 (wall time)");
	grid_print(out, &g, title, md);
	return miss;
}

/* ===================================================================== */
/* report mode: CSV in, goals, results.md and plot data out               */

static int name_to_mech(const char *s)
{
	int i;

	for (i = 0; i < M_NR; i++)
		if (!strcmp(mech_info[i].name, s))
			return i;
	return -1;
}

static int name_to_pat(const char *s)
{
	int i;

	for (i = 0; i < P_NR; i++)
		if (!strcmp(pat_name[i], s))
			return i;
	return -1;
}

/* Split a CSV line in place (no quoting: the writers never quote). */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\r\n")] = 0;
	while (n < max) {
		f[n++] = line;
		line = strchr(line, ',');
		if (!line)
			break;
		*line++ = 0;
	}
	return n;
}

static int load_results(const char *dir)
{
	char path[PATH_MAX], line[1024], *f[16];
	FILE *fp;
	int n = 0;

	snprintf(path, sizeof(path), "%s/results.csv", dir);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		struct point pt = { 0 };
		int p, m;

		if (csv_split(line, f, 16) < 8 || !isdigit((unsigned char)f[0][0]))
			continue;
		p = name_to_pat(f[1]);
		m = name_to_mech(f[2]);
		if (p < 0 || m < 0)
			continue;
		pt.smp = atoi(f[0]);
		pt.pat = (enum pat_id)p;
		pt.mech = (enum mech_id)m;
		pt.size = strtoull(f[3], NULL, 10);
		pt.param = atol(f[4]);
		snprintf(pt.metric, sizeof(pt.metric), "%s", f[5]);
		pt.value = strtod(f[6], NULL);
		pt.reps = atoi(f[7]);
		point_add(&pt);
		n++;
	}
	fclose(fp);

	snprintf(path, sizeof(path), "%s/notes.csv", dir);
	fp = fopen(path, "r");
	if (fp) {
		while (fgets(line, sizeof(line), fp)) {
			struct note no = { 0 };
			int p, m;

			if (csv_split(line, f, 6) < 6 || !isdigit((unsigned char)f[0][0]))
				continue;
			p = name_to_pat(f[1]);
			m = name_to_mech(f[2]);
			if (p < 0 || m < 0)
				continue;
			no.smp = atoi(f[0]);
			no.pat = (enum pat_id)p;
			no.mech = (enum mech_id)m;
			no.size = strtoull(f[3], NULL, 10);
			no.param = atol(f[4]);
			snprintf(no.text, sizeof(no.text), "%s", f[5]);
			note_add(&no);
		}
		fclose(fp);
	}
	return n;
}

static void env_print(FILE *out, const char *dir, int md)
{
	char path[PATH_MAX], line[512], *f[3];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/env.csv", dir);
	fp = fopen(path, "r");
	if (!fp)
		return;
	if (md)
		fprintf(out, "\n| -smp | what | value |\n| ---: | --- | --- |\n");
	while (fgets(line, sizeof(line), fp)) {
		if (csv_split(line, f, 3) < 3 || !isdigit((unsigned char)f[0][0]))
			continue;
		if (md)
			fprintf(out, "| %s | %s | %s |\n", f[0], f[1], f[2]);
		else
			fprintf(out, "  -smp %s  %-22s %s\n", f[0], f[1], f[2]);
	}
	fclose(fp);
}

/* DIR/plot/NAME-smpS-MECH.dat: "size value" for each mechanism measured. */
static void plot_data(const char *dir, int s, enum pat_id p, const char *metric,
		      double div, const char *name)
{
	char path[PATH_MAX];
	size_t sizes[TMAXC];
	int ns, m, i;
	FILE *fp;

	ns = sizes_of(s, p, sizes, TMAXC);
	if (!ns)
		return;
	snprintf(path, sizeof(path), "%s/plot", dir);
	mkdir(path, 0755);
	for (m = 0; m < M_NR; m++) {
		int any = 0;

		for (i = 0; i < ns; i++)
			any |= res_find(s, p, (enum mech_id)m, sizes[i], 0, metric) != NULL;
		if (!any)
			continue;
		snprintf(path, sizeof(path), "%s/plot/%s-smp%d-%s.dat", dir, name, s,
			 mech_info[m].name);
		fp = fopen(path, "w");
		if (!fp)
			continue;
		for (i = 0; i < ns; i++) {
			double v = res_val(s, p, (enum mech_id)m, sizes[i], 0, metric);

			if (!isnan(v))
				fprintf(fp, "%zu %.6g\n", sizes[i], v / div);
		}
		fclose(fp);
	}
}

static int view_has_tables(int s)
{
	size_t dummy[TMAXC];

	return sizes_of(s, P_PINGPONG, dummy, TMAXC) || sizes_of(s, P_FANIN, dummy, TMAXC) ||
	       sizes_of(s, P_STREAM, dummy, TMAXC) || sizes_of(s, P_MEMORY, dummy, TMAXC) ||
	       sizes_of(s, P_SELF, dummy, TMAXC) || sizes_of(s, P_SYSVAPP, dummy, TMAXC) ||
	       sizes_of(s, P_PAIRS, dummy, TMAXC) ||
	       res_find(s, P_CALLS, M_NONE, 0, CALL_GETPPID, "ns_per_call");
}

static int report(const char *dir)
{
	/* The icount view first, then wall time. */
	static const int views[] = { 0, 1, 2 };
	char path[PATH_MAX];
	int i, miss;
	unsigned int all = (1u << P_NR) - 1;
	FILE *md, *gcsv;

	if (load_results(dir) <= 0)
		die("no results in %s/results.csv", dir);

	for (i = 0; i < 3; i++) {
		int s = views[i];

		/* Under -icount the round trip is plotted in instructions. */
		plot_data(dir, s, P_PINGPONG, "p50_ns", s == 0 ? 1.0 : 1000.0, "pingpong");
		plot_data(dir, s, P_STREAM, "mb_per_s", 1.0, "stream");
	}

	snprintf(path, sizeof(path), "%s/goals.csv", dir);
	gcsv = fopen(path, "w");
	miss = goals_table(stdout, 0, gcsv);
	if (gcsv)
		fclose(gcsv);

	snprintf(path, sizeof(path), "%s/results.md", dir);
	md = fopen(path, "w");
	if (!md)
		die("%s: %s", path, strerror(errno));
	fprintf(md, "# msgpass benchmark: latest results\n\n"
		"Written by `bench/run` (`make bench`) from `results.csv` in this "
		"directory. Every figure is the median of the repetitions of one run, "
		"measured under QEMU TCG emulation: compare mechanisms with each other, "
		"not with native hardware. See `bench/README.md` for the method.\n\n"
		"Views: **icount** (tagged smp 0 in the CSV) is -smp 1 under QEMU's "
		"`-icount shift=0,sleep=off`, where the guest's clock advances one "
		"nanosecond per guest instruction: its time figures are exact instruction "
		"counts and its rates are per 10^9 instructions. **-smp 1** and **-smp 2** "
		"are wall time.\n");
	fprintf(md, "\n## Goals\n");
	goals_table(md, 1, NULL);
	fprintf(md, "\n## Plots\n\n");
	if (have_view(0))
		fprintf(md, "![round trip p50 in instructions against message size, icount]"
			"(pingpong-icount.png)\n\n");
	if (have_view(1))
		fprintf(md, "![round trip p50 against message size, -smp 1](pingpong.png)\n\n"
			"![streaming throughput against message size, -smp 1](stream.png)\n\n");
	if (have_view(0))
		fprintf(md, "icount: [streaming](stream-icount.png)");
	if (have_view(2))
		fprintf(md, "%s-smp 2: [round trip](pingpong-smp2.png), "
			"[streaming](stream-smp2.png)", have_view(0) ? "; " : "");
	fprintf(md, "\n");
	for (i = 0; i < 3; i++) {
		int s = views[i];

		if (!view_has_tables(s))
			continue;
		if (s == 0)
			fprintf(md, "\n## icount: -smp 1 under QEMU -icount (instructions)\n");
		else
			fprintf(md, "\n## -smp %d (wall time)\n", s);
		tables_for(md, 1, s, all);
	}
	fprintf(md, "\n## Mechanisms\n\n| name | what |\n| --- | --- |\n");
	for (i = 0; i < M_NONE; i++)
		fprintf(md, "| %s | %s |\n", mech_info[i].name, mech_info[i].desc);
	fprintf(md, "\n## Environment\n\n(-smp 0: the icount boot)\n");
	env_print(md, dir, 1);
	fclose(md);
	printf("\n  %d goal(s) missed; tables: %s/results.md\n", miss, dir);
	return 0;
}

/* ===================================================================== */
/* options, environment, main                                             */

static size_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	while (*end == ' ')
		end++;
	switch (toupper((unsigned char)*end)) {
	case 'K':
		v *= 1024;
		break;
	case 'M':
		v *= 1024 * 1024;
		break;
	case 0:
	case 'B':
		break;
	default:
		die("bad size: %s", s);
	}
	return (size_t)v;
}

/* A comma-separated list of sizes into @out (at most @max); how many. */
static int parse_sizes(const char *arg, size_t *out, int max)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int n = 0;

	if (!copy)
		die("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && n < max; tok = strtok_r(NULL, ",", &save))
		out[n++] = parse_size(tok);
	free(copy);
	return n;
}

static unsigned int parse_list(const char *arg, int pats)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned int bits = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int i = pats ? name_to_pat(tok) : name_to_mech(tok);

		if (!strcmp(tok, "all"))
			bits = pats ? (1u << P_NR) - 1 : (1u << M_NR) - 1;
		else if (!strcmp(tok, "msgpass") && !pats)
			bits |= MECH_BIT(M_MAILBOX) | MECH_BIT(M_DIRECT) | MECH_BIT(M_SYNC) |
				MECH_BIT(M_CALL) | MECH_BIT(M_BATCH) | MECH_BIT(M_MEMFD) |
				MECH_BIT(M_FDREF) | MECH_BIT(M_SYSVLIB);
		else if (i < 0)
			die("unknown %s: %s", pats ? "pattern" : "mechanism", tok);
		else
			bits |= 1u << i;
	}
	free(copy);
	return bits;
}

static void usage(void)
{
	int i;

	printf("Usage: msgpass-bench [options]\n"
	       "       msgpass-bench --report DIR\n\n"
	       "Measures msgpass against the kernel's other IPC; prints tables, writes CSV.\n\n"
	       "  -p, --patterns LIST  pingpong,stream,fanin,pairs,scaling,memory,self,calls,\n"
	       "                       sysvapp or all (default all)\n"
	       "  -m, --mechs LIST     mechanisms (default all; 'msgpass' = its eight)\n"
	       "  -s, --sizes LIST     body sizes (default 8,64,1K,4K,8K,64K,1M)\n"
	       "      --memory-sizes L sizes of the memory pattern (default: --sizes)\n"
	       "  -r, --reps N         repetitions, alternated; the median is reported (5)\n"
	       "  -x, --scale F        multiply every iteration count by F (1.0)\n"
	       "      --target S       seconds a one-way trial aims at (0.3; the count is\n"
	       "                       set by a pilot, at most the scaled default)\n"
	       "      --fanin N        senders of the fan-in (16)\n"
	       "      --fanin-sizes L  sizes of the fan-in (64)\n"
	       "      --pairs LIST     pair counts (1,2,4)\n"
	       "      --mailboxes N    live mailboxes / queues in the scaling pattern (10000)\n"
	       "      --links N        live links into the server in the scaling pattern (1000)\n"
	       "      --smoke          every pattern and mechanism, tiny counts, one repetition\n"
	       "      --csv DIR        write results.csv, trials.csv, notes.csv, env.csv there\n"
	       "      --timeout S      seconds a trial may take (300)\n"
	       "      --raise-limits   raise the System V, POSIX, pipe and socket limits first\n"
	       "                       (root, in a VM: what bench/run does before it starts)\n"
	       "      --icount         the VM runs under QEMU -icount (tools/vmrun --icount\n"
	       "                       --smp 1): tag the results smp 0 and call the figures\n"
	       "                       instructions (the guest clock counts them)\n"
	       "      --report DIR     no measuring: goals table, results.md and plot data\n"
	       "                       from DIR/results.csv (and notes.csv, env.csv)\n"
	       "  -q, --quiet          no progress\n"
	       "  -v, --verbose\n\nMechanisms:\n");
	for (i = 0; i < M_NONE; i++)
		printf("  %-8s %s\n", mech_info[i].name, mech_info[i].desc);
}

static FILE *csv_open(const char *name, const char *header)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", opt.csvdir, name);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fprintf(f, "%s\n", header);
	return f;
}

static double clock_cost_ns(void)
{
	uint64_t t0 = now_ns();
	int i;

	for (i = 0; i < 10000; i++)
		(void)now_ns();
	return (double)(now_ns() - t0) / 10000.0;
}

static void environment(void)
{
	struct utsname u;
	struct mp_version v;
	char cs[64] = "?";
	FILE *f;

	if (!opt.quiet)
		printf("msgpass-bench, %s\n", view_str(smp));
	uname(&u);
	env_add("kernel", "%s %s", u.release, u.machine);
	env_add("cpus", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	if (opt.icount)
		env_add("clock", "QEMU -icount: 1 ns = 1 guest instruction");
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = 0;
		fclose(f);
	}
	env_add("clocksource", "%s", cs);
	env_add("clock_gettime", "%.0f ns per call", clock_cost_ns());
	if (mp_version(&v) == 0)
		env_add("msgpass", "ABI %u.%u; features 0x%llx; max_msg_size %llu", v.abi_major,
			v.abi_minor, (unsigned long long)v.features,
			(unsigned long long)v.max_msg_size);
	else
		env_add("msgpass", "not loaded (%s)", strerror(errno));
	env_add("reps", "%d%s", opt.reps, opt.smoke ? " (smoke)" : "");
	env_add("scale", "%.2f", opt.scale);
}

/*
 * --raise-limits: what bench/run does in the VM before it starts the
 * program, for a VM run that only has the program (make check).
 */
static void raise_limits(void)
{
	static const struct { const char *path, *value; } lim[] = {
		{ "/proc/sys/kernel/msgmax", "4194304" },
		{ "/proc/sys/kernel/msgmnb", "4194304" },
		{ "/proc/sys/fs/mqueue/msg_max", "65536" },
		{ "/proc/sys/fs/mqueue/msgsize_max", "4194304" },
		{ "/proc/sys/fs/mqueue/queues_max", "1024" },
		{ "/proc/sys/fs/pipe-max-size", "4194304" },
		{ "/proc/sys/net/core/wmem_max", "16777216" },
		{ "/proc/sys/net/core/rmem_max", "16777216" },
		{ "/proc/sys/net/unix/max_dgram_qlen", "65536" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		FILE *f = fopen(lim[i].path, "w");

		if (!f || fputs(lim[i].value, f) < 0 || fclose(f) != 0)
			fprintf(stderr, "msgpass-bench: cannot raise %s\n", lim[i].path);
	}
}

/* Drop the msgpass mechanisms this module does not have. */
static void check_features(void)
{
	static const struct { enum mech_id m; uint64_t feat; } need[] = {
		{ M_MAILBOX, MP_FEAT_MAILBOX }, { M_SYNC, MP_FEAT_MAILBOX },
		{ M_DIRECT, MP_FEAT_DIRECT }, { M_CALL, MP_FEAT_CALL },
		{ M_BATCH, MP_FEAT_BATCH }, { M_MEMFD, MP_FEAT_FDS }, { M_FDREF, MP_FEAT_FDS },
		{ M_SYSVLIB, MP_FEAT_MAILBOX },
	};
	struct mp_version v;
	unsigned int i;
	int have = mp_version(&v) == 0;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!(opt.mechs & MECH_BIT(need[i].m)))
			continue;
		if (have && (v.features & need[i].feat))
			continue;
		fprintf(stderr, "msgpass-bench: skipping %s: %s\n", mech_info[need[i].m].name,
			have ? "the module lacks the feature" : "/dev/msgpass not available");
		opt.mechs &= ~MECH_BIT(need[i].m);
	}
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "patterns", required_argument, NULL, 'p' },
		{ "mechs", required_argument, NULL, 'm' },
		{ "sizes", required_argument, NULL, 's' },
		{ "reps", required_argument, NULL, 'r' },
		{ "scale", required_argument, NULL, 'x' },
		{ "fanin", required_argument, NULL, 1 },
		{ "fanin-sizes", required_argument, NULL, 2 },
		{ "pairs", required_argument, NULL, 3 },
		{ "mailboxes", required_argument, NULL, 4 },
		{ "links", required_argument, NULL, 5 },
		{ "smoke", no_argument, NULL, 6 },
		{ "csv", required_argument, NULL, 7 },
		{ "timeout", required_argument, NULL, 8 },
		{ "report", required_argument, NULL, 9 },
		{ "target", required_argument, NULL, 10 },
		{ "raise-limits", no_argument, NULL, 11 },
		{ "icount", no_argument, NULL, 12 },
		{ "memory-sizes", required_argument, NULL, 13 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	size_t fanin_sizes[8] = { 64 };
	int nfanin_sizes = 1, c, i;
	const char *report_dir = NULL;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	int sizes_given = 0, msizes_given = 0, reps_given = 0, raise_limits_flag = 0, failed = 0;
	uint64_t t_start;

	opt.mechs = (1u << M_NR) - 1;
	opt.pats = (1u << P_NR) - 1;
	opt.reps = 5;
	opt.scale = 1.0;
	opt.target = 0.3;
	opt.fanin = 16;
	opt.pairs[0] = 1;
	opt.pairs[1] = 2;
	opt.pairs[2] = 4;
	opt.npairs = 3;
	opt.mailboxes = 10000;
	opt.links = 1000;

	while ((c = getopt_long(argc, argv, "p:m:s:r:x:qvh", lopts, NULL)) != -1) {
		char *tok, *save = NULL, *copy;

		switch (c) {
		case 'p':
			opt.pats = parse_list(optarg, 1);
			break;
		case 'm':
			opt.mechs = parse_list(optarg, 0);
			break;
		case 's':
			opt.nsizes = parse_sizes(optarg, opt.sizes, 16);
			sizes_given = 1;
			break;
		case 'r':
			opt.reps = atoi(optarg);
			reps_given = 1;
			break;
		case 'x':
			opt.scale = strtod(optarg, NULL);
			break;
		case 1:
			opt.fanin = atoi(optarg);
			break;
		case 2:
			nfanin_sizes = parse_sizes(optarg, fanin_sizes, 8);
			break;
		case 3:
			copy = strdup(optarg);
			opt.npairs = 0;
			for (tok = strtok_r(copy, ",", &save); tok && opt.npairs < 8;
			     tok = strtok_r(NULL, ",", &save))
				opt.pairs[opt.npairs++] = atoi(tok);
			free(copy);
			break;
		case 4:
			opt.mailboxes = atoi(optarg);
			break;
		case 5:
			opt.links = atoi(optarg);
			break;
		case 6:
			opt.smoke = 1;
			break;
		case 7:
			opt.csvdir = optarg;
			break;
		case 8:
			child_timeout = atoi(optarg);
			break;
		case 9:
			report_dir = optarg;
			break;
		case 10:
			opt.target = strtod(optarg, NULL);
			break;
		case 11:
			raise_limits_flag = 1;
			break;
		case 12:
			opt.icount = 1;
			break;
		case 13:
			opt.nmsizes = parse_sizes(optarg, opt.msizes, 16);
			msizes_given = 1;
			break;
		case 'q':
			opt.quiet = 1;
			break;
		case 'v':
			opt.verbose = 1;
			break;
		case 'h':
			usage();
			return 0;
		default:
			usage();
			return 2;
		}
	}
	if (optind < argc)
		die("unexpected argument: %s (see --help)", argv[optind]);
	if (report_dir)
		return report(report_dir);

	if (!sizes_given) {
		static const size_t def[] = { 8, 64, 1024, 4096, 8192, 65536, 1 << 20 };

		memcpy(opt.sizes, def, sizeof(def));
		opt.nsizes = 7;
		if (opt.smoke) {
			opt.sizes[0] = 64;
			opt.sizes[1] = 65536;
			opt.nsizes = 2;
		}
	}
	if (!msizes_given) {
		memcpy(opt.msizes, opt.sizes, sizeof(opt.sizes));
		opt.nmsizes = opt.nsizes;
	}
	if (opt.smoke) {
		if (!reps_given)
			opt.reps = 1;
		if (opt.mailboxes > 100)
			opt.mailboxes = 100;
		if (opt.links > 10)
			opt.links = 10;
		if (opt.fanin > 4)
			opt.fanin = 4;
		opt.npairs = 2;
	}
	if (opt.reps < 1 || opt.reps > 64)
		die("--reps: 1 to 64");
	if (opt.fanin < 1 || opt.fanin > 60)
		die("--fanin: 1 to 60");
	for (i = 0; i < opt.npairs; i++)
		if (opt.pairs[i] < 1 || opt.pairs[i] > 16)
			die("--pairs: 1 to 16 each");

	/* Under -icount the results are a view of their own: tag 0. */
	smp = opt.icount ? 0 : (int)sysconf(_SC_NPROCESSORS_ONLN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (raise_limits_flag)
		raise_limits();
	/* POSIX queues of big messages pass the default 800 KiB at once. */
	setrlimit(RLIMIT_MSGQUEUE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (opt.csvdir) {
		mkdir(opt.csvdir, 0755);
		csv_results = csv_open("results.csv", "smp,pattern,mech,size,param,metric,value,reps");
		csv_trials = csv_open("trials.csv", "smp,pattern,mech,size,param,rep,ok,p50_ns,"
				      "p99_ns,mean_ns,per_s,mb_s,cpu_ns,sys_share,csw,note");
		csv_notes = csv_open("notes.csv", "smp,pattern,mech,size,param,note");
		csv_env = csv_open("env.csv", "smp,key,value");
	}
	check_features();
	environment();

	t_start = now_ns();
	if (opt.pats & PAT_BIT(P_PINGPONG))
		do_pingpong();
	if (opt.pats & PAT_BIT(P_STREAM))
		do_stream(P_STREAM, opt.sizes, opt.nsizes, (long[]){ 1 }, 1);
	if (opt.pats & PAT_BIT(P_FANIN))
		do_stream(P_FANIN, fanin_sizes, nfanin_sizes, (long[]){ 1, opt.fanin },
			  opt.fanin > 1 ? 2 : 1);
	if (opt.pats & PAT_BIT(P_PAIRS))
		do_pairs();
	if (opt.pats & PAT_BIT(P_SCALING))
		do_scaling();
	if (opt.pats & PAT_BIT(P_MEMORY))
		do_memory();
	if (opt.pats & PAT_BIT(P_SELF))
		do_self();
	if (opt.pats & PAT_BIT(P_CALLS))
		do_calls();
	if (opt.pats & PAT_BIT(P_SYSVAPP))
		do_sysvapp();
	env_add("duration", "%.0f s", (double)(now_ns() - t_start) / 1e9);

	if (!opt.quiet)
		tables_for(stdout, 0, smp, opt.pats);
	if (csv_results) {
		fclose(csv_results);
		fclose(csv_trials);
		fclose(csv_notes);
		fclose(csv_env);
	}
	/* A failed trial fails the program (the smoke run's verdict). */
	for (i = 0; i < nnotes; i++) {
		if (strncmp(notes[i].text, "fail", 4) && strncmp(notes[i].text, "some", 4))
			continue;
		fprintf(stderr, "msgpass-bench: %s %s %s: %s\n", pat_name[notes[i].pat],
			mech_info[notes[i].mech].name, size_str(notes[i].size), notes[i].text);
		failed++;
	}
	if (failed)
		fprintf(stderr, "msgpass-bench: %d measurement(s) failed\n", failed);
	return failed ? 1 : 0;
}
