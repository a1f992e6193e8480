// SPDX-License-Identifier: GPL-2.0
/*
 * Where a System V program's calls go, seen from outside: a plain System
 * V program (sysv_probe) is run with and without libmsgpass-sysv.so
 * (through msgpass-run, or LD_PRELOAD), and this test, which is
 * preloaded with nothing, looks at what it made through both libmsgpass
 * and the kernel's own calls and /proc/sysvipc/msg.
 *
 * Also: what is not affected (static programs, syscall(2), set-user-ID
 * programs), msgpass-run's handling of LD_PRELOAD and of a missing
 * library or module, the choice of one provider per process, and the
 * System V behaviours the library keeps (cancellation points, msgctl()
 * commands) or cannot keep (a program that closes every descriptor).
 *
 * The programs are found in $MPT_PRELOAD_DIR (default /preload, as the
 * VM has them): msgpass-run, libmsgpass-sysv.so, sysv_probe and
 * sysv_probe-static. The test runs as root.
 */
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mp_test.h"

#define NOBODY		65534
#define EXIT_TOOL	125	/* msgpass-run's own failure */
#define RUN_ALARM_S	30	/* a run that takes longer is killed */

/* How run() sets the child up before it executes the program. */
#define RUN_NODEV	0x1	/* /dev emptied, in a mount namespace of its own */
#define RUN_NODRIVER	0x2	/* ...with a /dev/msgpass that no driver serves */
#define RUN_NOBODY	0x4	/* as nobody, without groups */

struct run {
	int status;		/* exit status; 128 + signal; -1 */
	char out[4096];		/* its standard output */
	char err[4096];		/* its standard error */
};

static char dir[256];

static const char *path_of(const char *name)
{
	static char buf[4][512];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

#define RUNNER		path_of("msgpass-run")
#define PROBE		path_of("sysv_probe")
#define PROBE_STATIC	path_of("sysv_probe-static")
#define LIBRARY		path_of("libmsgpass-sysv.so")

static void read_all(int fd, char *buf, size_t room)
{
	size_t n = 0;
	ssize_t r;

	while (n < room - 1 && (r = read(fd, buf + n, room - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
}

static int run_setup(int flags)
{
	if (flags & RUN_NODEV) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/dev", "tmpfs", 0, "mode=755"))
			return -1;
		/* Major 60: for local use, no driver of this kernel's. */
		if ((flags & RUN_NODRIVER) &&
		    mknod(MSGPASS_DEVICE, S_IFCHR | 0666, makedev(60, 0)))
			return -1;
	}
	if (flags & RUN_NOBODY) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			return -1;
	}
	return 0;
}

/*
 * Run @argv (NULL-terminated) with PATH and @env (NULL-terminated, may be
 * NULL) as its whole environment; its output and status into @r.
 */
static int run(struct run *r, int flags, const char *const *env, const char *const *argv)
{
	char *envp[16];
	int out[2], err[2], st, n = 0;
	pid_t pid;

	envp[n++] = "PATH=/bin:/sbin:/usr/bin:/usr/sbin";
	while (env && *env && n < 15)
		envp[n++] = (char *)*env++;
	envp[n] = NULL;
	memset(r, 0, sizeof(*r));
	r->status = -1;
	if (pipe(out) || pipe(err))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		alarm(RUN_ALARM_S);
		if (run_setup(flags)) {
			fprintf(stderr, "run: setup: %s\n", strerror(errno));
			_exit(126);
		}
		execve(argv[0], (char *const *)argv, envp);
		fprintf(stderr, "run: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	read_all(out[0], r->out, sizeof(r->out));
	read_all(err[0], r->err, sizeof(r->err));
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
	return 0;
}

#define RUN(r, flags, env, ...) \
	run((r), (flags), (env), (const char *const[]){ __VA_ARGS__, NULL })
#define ENV(...)	((const char *const[]){ __VA_ARGS__, NULL })

/* A key no other test uses. */
static key_t test_key(void)
{
	static int n;

	return (key_t)(0x53590000 ^ ((getpid() & 0xfff) << 4) ^ ++n);
}

static const char *key_arg(key_t key)
{
	static char buf[4][16];
	static int n;
	char *p = buf[n++ % 4];

	snprintf(p, sizeof(buf[0]), "%d", (int)key);
	return p;
}

/* Does /proc/sysvipc/msg, the kernel's list, have a queue with @key? */
static int kernel_lists(key_t key)
{
	FILE *f = fopen("/proc/sysvipc/msg", "r");
	char line[512];
	int k, id, found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %d", &k, &id) == 2 && k == key)
			found = 1;
	fclose(f);
	return found;
}

/* What a test made, removed by the teardown whatever happened. */
static int made_mp[16], made_kernel[16], nmade_mp, nmade_kernel;

static int track_mp(int id)
{
	if (id >= 0 && nmade_mp < 16)
		made_mp[nmade_mp++] = id;
	return id;
}

static int track_kernel(int id)
{
	if (id >= 0 && nmade_kernel < 16)
		made_kernel[nmade_kernel++] = id;
	return id;
}

struct qmsg {
	long mtype;
	char mtext[64];
};

FIXTURE(route) {
	int unused;
};

FIXTURE_SETUP(route)
{
	const char *d = getenv("MPT_PRELOAD_DIR");

	snprintf(dir, sizeof(dir), "%s", d && *d ? d : "/preload");
	if (access(RUNNER, X_OK) || access(PROBE, X_OK) || access(LIBRARY, R_OK))
		SKIP(return, "no msgpass-run, sysv_probe or libmsgpass-sysv.so in %s", dir);
	ASSERT_EQ(0, geteuid()) TH_LOG("the test runs as root");
	ASSERT_LE(0, mp_fd()) TH_LOG("msgpass: %s", strerror(errno));
}

FIXTURE_TEARDOWN(route)
{
	for (int i = 0; i < nmade_mp; i++)
		mp_msgctl(made_mp[i], IPC_RMID, NULL);
	for (int i = 0; i < nmade_kernel; i++)
		msgctl(made_kernel[i], IPC_RMID, NULL);
	nmade_mp = nmade_kernel = 0;
}

/*
 * @key names a msgpass mailbox holding the probe's one message (type 7,
 * "probe"), and no kernel queue.
 */
static void made_in_msgpass(struct __test_metadata *_metadata, key_t key, int id)
{
	struct mp_mbox_info in;
	struct qmsg m = { 0 };

	EXPECT_EQ(id, mp_msgget(key, 0));
	EXPECT_EQ(0, mp_mbox_info(id, &in));
	EXPECT_EQ(1, in.qnum);
	EXPECT_EQ(5, mp_msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(7, m.mtype);
	EXPECT_STREQ("probe", m.mtext);
	EXPECT_EQ(0, kernel_lists(key)) TH_LOG("the kernel has a queue with key %#x", key);
	EXPECT_EQ(-1, msgget(key, 0));
	EXPECT_EQ(ENOENT, errno);
}

/* @key names a kernel queue holding the probe's message, and no mailbox. */
static void made_in_kernel(struct __test_metadata *_metadata, key_t key, int id)
{
	struct qmsg m = { 0 };

	EXPECT_EQ(id, msgget(key, 0));
	EXPECT_EQ(1, kernel_lists(key));
	EXPECT_EQ(5, msgrcv(id, &m, sizeof(m.mtext), 0, IPC_NOWAIT));
	EXPECT_EQ(7, m.mtype);
	EXPECT_STREQ("probe", m.mtext);
	EXPECT_EQ(-1, mp_msgget(key, 0)) TH_LOG("msgpass has a mailbox with key %#x", key);
	EXPECT_EQ(ENOENT, errno);
}

/* The ID the probe printed, tracked as @kind's; -1 if it printed none. */
static int probe_id(const struct run *r, int kernel)
{
	int id;

	if (sscanf(r->out, "%d", &id) != 1)
		return -1;
	return kernel ? track_kernel(id) : track_mp(id);
}

/* --- where the calls go ------------------------------------------------ */

TEST_F(route, preloaded_program_uses_msgpass)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 0);
	ASSERT_LE(0, id);
	made_in_msgpass(_metadata, key, id);
}

TEST_F(route, program_without_preload_uses_the_kernel)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, 0, NULL, PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
}

TEST_F(route, ld_preload_alone_is_enough)
{
	char env[600];
	key_t key = test_key();
	struct run r;
	int id;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", LIBRARY);
	ASSERT_EQ(0, RUN(&r, 0, ENV(env), PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 0);
	ASSERT_LE(0, id);
	made_in_msgpass(_metadata, key, id);
}

TEST_F(route, children_of_a_preloaded_program_use_msgpass)
{
	char cmd[600];
	key_t key = test_key();
	struct run r;
	int id;

	snprintf(cmd, sizeof(cmd), "%s create %d", PROBE, (int)key);
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, "/bin/sh", "-c", cmd));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 0);
	ASSERT_LE(0, id);
	made_in_msgpass(_metadata, key, id);
}

/* --- what is not affected ---------------------------------------------- */

TEST_F(route, static_program_is_not_affected_and_is_warned_about)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, access(PROBE_STATIC, X_OK));
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE_STATIC, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
	EXPECT_NE(NULL, strstr(r.err, "statically linked")) TH_LOG("stderr: %s", r.err);
}

TEST_F(route, syscall_is_not_affected)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "syscall-create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
	EXPECT_EQ(0, r.err[0]) TH_LOG("stderr: %s", r.err);
}

/* Copy @from to @to with @mode (a set-user-ID copy, owned by root). */
static int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -1;
	unlink(to);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0700);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	if (n < 0 || fchmod(out, mode)) {
		close(out);
		return -1;
	}
	return close(out);
}

TEST_F(route, setuid_program_is_not_affected_and_is_warned_about)
{
	const char *suid = "/tmp/mpt-suid-probe";
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, copy_file(PROBE, suid, 04755));
	ASSERT_EQ(0, RUN(&r, RUN_NOBODY, NULL, RUNNER, suid, "create", key_arg(key)));
	unlink(suid);
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
	EXPECT_NE(NULL, strstr(r.err, "set-user-ID")) TH_LOG("stderr: %s", r.err);
}

/* --- msgpass-run ------------------------------------------------------- */

/* A library that defines none of the four, for LD_PRELOAD. */
#define OTHER_PRELOAD	"libgcc_s.so.1"

TEST_F(route, msgpass_run_appends_to_ld_preload_once)
{
	char want[600];
	struct run r;

	snprintf(want, sizeof(want), "%s:%s\n", OTHER_PRELOAD, LIBRARY);
	ASSERT_EQ(0, RUN(&r, 0, ENV("LD_PRELOAD=" OTHER_PRELOAD), RUNNER, PROBE, "env"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ(want, r.out);
	/* Nested, or with the library there already: added once. */
	ASSERT_EQ(0, RUN(&r, 0, ENV("LD_PRELOAD=" OTHER_PRELOAD), RUNNER, RUNNER, PROBE, "env"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	EXPECT_STREQ(want, r.out);
	snprintf(want, sizeof(want), "%s\n", LIBRARY);
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "env"));
	EXPECT_STREQ(want, r.out);
}

TEST_F(route, msgpass_run_after_another_preload_uses_msgpass)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, 0, ENV("LD_PRELOAD=" OTHER_PRELOAD), RUNNER, PROBE, "create",
			 key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 0);
	ASSERT_LE(0, id);
	made_in_msgpass(_metadata, key, id);
}

/*
 * Appended, the library comes after what LD_PRELOAD had: a library there
 * that defines msgget() (here the C library itself) is found first.
 */
TEST_F(route, earlier_preload_defining_msgget_comes_first)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, 0, ENV("LD_PRELOAD=libc.so.6"), RUNNER, PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
}

TEST_F(route, msgpass_run_finds_the_library_of_an_installed_tree)
{
	char want[64];
	struct run r;
	int id;
	key_t key = test_key();

	mkdir("/tmp/mpt-inst", 0755);
	mkdir("/tmp/mpt-inst/bin", 0755);
	mkdir("/tmp/mpt-inst/lib", 0755);
	mkdir("/tmp/mpt-inst/lib/msgpass", 0755);
	ASSERT_EQ(0, copy_file(RUNNER, "/tmp/mpt-inst/bin/msgpass-run", 0755));
	ASSERT_EQ(0, copy_file(LIBRARY, "/tmp/mpt-inst/lib/msgpass/libmsgpass-sysv.so", 0644));
	ASSERT_EQ(0, RUN(&r, 0, NULL, "/tmp/mpt-inst/bin/msgpass-run", "--print-library"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	snprintf(want, sizeof(want), "%s\n", "/tmp/mpt-inst/lib/msgpass/libmsgpass-sysv.so");
	EXPECT_STREQ(want, r.out);
	ASSERT_EQ(0, RUN(&r, 0, NULL, "/tmp/mpt-inst/bin/msgpass-run", PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 0);
	ASSERT_LE(0, id);
	made_in_msgpass(_metadata, key, id);
}

TEST_F(route, msgpass_run_without_the_library_says_so)
{
	key_t key = test_key();
	struct run r;

	mkdir("/tmp/mpt-nolib", 0755);
	ASSERT_EQ(0, copy_file(RUNNER, "/tmp/mpt-nolib/msgpass-run", 0755));
	ASSERT_EQ(0, RUN(&r, 0, NULL, "/tmp/mpt-nolib/msgpass-run", "--print-library"));
	if (r.status == 0)
		SKIP(return, "a library is installed where msgpass-run looks: %.200s", r.out);
	ASSERT_EQ(0, RUN(&r, 0, NULL, "/tmp/mpt-nolib/msgpass-run", PROBE, "create", key_arg(key)));
	EXPECT_EQ(EXIT_TOOL, r.status);
	EXPECT_NE(NULL, strstr(r.err, "cannot find libmsgpass-sysv.so")) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(0, r.out[0]);
	EXPECT_EQ(-1, msgget(key, 0));
	EXPECT_EQ(-1, mp_msgget(key, 0));
	ASSERT_EQ(0, RUN(&r, 0, ENV("MSGPASS_SYSV_LIB=/nonexistent/lib.so"), RUNNER, PROBE, "env"));
	EXPECT_EQ(EXIT_TOOL, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/nonexistent/lib.so")) TH_LOG("stderr: %s", r.err);
}

TEST_F(route, msgpass_run_usage)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, "--help"));
	EXPECT_EQ(0, r.status);
	EXPECT_NE(NULL, strstr(r.out, "Usage: msgpass-run"));
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER));
	EXPECT_EQ(EXIT_TOOL, r.status);
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, "--no-such-option", PROBE));
	EXPECT_EQ(EXIT_TOOL, r.status);
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, "no-such-program-anywhere"));
	EXPECT_EQ(127, r.status);
	EXPECT_NE(NULL, strstr(r.err, "not found")) TH_LOG("stderr: %s", r.err);
	/* The program's own status comes back. */
	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "no-such-job"));
	EXPECT_EQ(100, r.status);
}

/* --- without msgpass ---------------------------------------------------- */

TEST_F(route, msgpass_run_refuses_to_run_without_msgpass)
{
	key_t key = test_key();
	struct run r;

	ASSERT_EQ(0, RUN(&r, RUN_NODEV, NULL, RUNNER, PROBE, "create", key_arg(key)));
	EXPECT_EQ(EXIT_TOOL, r.status);
	EXPECT_NE(NULL, strstr(r.err, "/dev/msgpass does not exist")) TH_LOG("stderr: %s", r.err);
	EXPECT_EQ(0, r.out[0]);
	EXPECT_EQ(0, kernel_lists(key));
}

TEST_F(route, msgpass_run_fallback_uses_the_kernel_without_msgpass)
{
	key_t key = test_key();
	struct run r;
	int id;

	ASSERT_EQ(0, RUN(&r, RUN_NODEV, NULL, RUNNER, "--fallback", PROBE, "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
}

TEST_F(route, library_without_msgpass_is_enosys)
{
	char env[600];
	key_t key = test_key();
	struct run r;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", LIBRARY);
	ASSERT_EQ(0, RUN(&r, RUN_NODEV, ENV(env), PROBE, "create", key_arg(key)));
	EXPECT_EQ(ENOSYS, r.status) TH_LOG("%s", r.err);
	/* Only "1" asks for the kernel. */
	ASSERT_EQ(0, RUN(&r, RUN_NODEV, ENV(env, "MSGPASS_SYSV_FALLBACK=yes"), PROBE, "create",
			 key_arg(key)));
	EXPECT_EQ(ENOSYS, r.status) TH_LOG("%s", r.err);
	EXPECT_EQ(0, kernel_lists(key));
}

TEST_F(route, library_without_a_driver_behind_the_device_is_enosys)
{
	char env[600];
	key_t key = test_key();
	struct run r;
	int id;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", LIBRARY);
	ASSERT_EQ(0, RUN(&r, RUN_NODEV | RUN_NODRIVER, ENV(env), PROBE, "create", key_arg(key)));
	EXPECT_EQ(ENOSYS, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(0, RUN(&r, RUN_NODEV | RUN_NODRIVER, ENV(env, "MSGPASS_SYSV_FALLBACK=1"), PROBE,
			 "create", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
}

TEST_F(route, library_fallback_uses_the_kernel_without_msgpass)
{
	char env[600];
	key_t key = test_key();
	struct run r;
	int id;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", LIBRARY);
	ASSERT_EQ(0, RUN(&r, RUN_NODEV, ENV(env, "MSGPASS_SYSV_FALLBACK=1"), PROBE, "create",
			 key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	id = probe_id(&r, 1);
	ASSERT_LE(0, id);
	made_in_kernel(_metadata, key, id);
}

/*
 * A process that chose msgpass keeps it, and so do its children, even
 * when msgpass disappears from under them and the fallback is allowed:
 * an ID of one provider never reaches the other.
 */
TEST_F(route, provider_is_kept_for_the_process_and_its_children)
{
	key_t key = test_key();
	struct run r;
	int err = 0;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, "--fallback", PROBE, "latch", key_arg(key)));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(1, sscanf(r.out, "%d", &err));
	EXPECT_EQ(ENOENT, err) TH_LOG("the child's msgget(): %s", strerror(err));
	EXPECT_EQ(0, kernel_lists(key)) TH_LOG("the child fell back to the kernel");
	EXPECT_EQ(-1, mp_msgget(key, 0));
}

/* Failing for want of msgpass chooses nothing: a later call can use it. */
TEST_F(route, enosys_chooses_nothing_and_a_later_call_finds_msgpass)
{
	char env[600];
	struct mp_mbox_info in;
	struct run r;
	int err = 0, id = -1;

	snprintf(env, sizeof(env), "LD_PRELOAD=%s", LIBRARY);
	ASSERT_EQ(0, RUN(&r, 0, ENV(env), PROBE, "retry"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(2, sscanf(r.out, "%d %d", &err, &id));
	track_mp(id);
	EXPECT_EQ(ENOSYS, err) TH_LOG("without /dev/msgpass: %s", strerror(err));
	EXPECT_EQ(0, mp_mbox_info(id, &in)) TH_LOG("%d is no msgpass mailbox", id);
}

/* --- System V behaviours ------------------------------------------------ */

TEST_F(route, msgctl_refuses_what_is_not_a_system_v_command)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "ctl"));
	EXPECT_EQ(0, r.status) TH_LOG("through msgpass: %s%s", r.out, r.err);
	ASSERT_EQ(0, RUN(&r, 0, NULL, PROBE, "ctl"));
	EXPECT_EQ(0, r.status) TH_LOG("the kernel: %s%s", r.out, r.err);
}

TEST_F(route, msgrcv_asleep_is_a_cancellation_point)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "cancel-rcv"));
	EXPECT_EQ(0, r.status) TH_LOG("through msgpass: %s", r.err);
	ASSERT_EQ(0, RUN(&r, 0, NULL, PROBE, "cancel-rcv"));
	EXPECT_EQ(0, r.status) TH_LOG("the kernel: %s", r.err);
}

TEST_F(route, msgsnd_asleep_is_a_cancellation_point)
{
	struct run r;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "cancel-snd"));
	EXPECT_EQ(0, r.status) TH_LOG("through msgpass: %s", r.err);
	ASSERT_EQ(0, RUN(&r, 0, NULL, PROBE, "cancel-snd"));
	EXPECT_EQ(0, r.status) TH_LOG("the kernel: %s", r.err);
}

/*
 * A difference (libmsgpass-sysv(7), BUGS): the library holds a
 * descriptor of /dev/msgpass, System V none. A program that closes every
 * descriptor after its first call gets EBADF from the next.
 */
TEST_F(route, closing_every_descriptor_breaks_later_calls)
{
	struct run r;
	int id, err;

	ASSERT_EQ(0, RUN(&r, 0, NULL, RUNNER, PROBE, "closefds"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(2, sscanf(r.out, "%d %d", &id, &err));
	track_mp(id);
	EXPECT_EQ(EBADF, err) TH_LOG("through msgpass: %s", strerror(err));
	ASSERT_EQ(0, RUN(&r, 0, NULL, PROBE, "closefds"));
	ASSERT_EQ(0, r.status) TH_LOG("%s", r.err);
	ASSERT_EQ(2, sscanf(r.out, "%d %d", &id, &err));
	track_kernel(id);
	EXPECT_EQ(0, err) TH_LOG("the kernel: %s", strerror(err));
}

/* Last: every test removed what it made, from both. */
TEST(nothing_is_left)
{
	struct mp_counters_info c;

	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(0, c.mailboxes);
	EXPECT_EQ(0, c.messages);
}

TEST_HARNESS_MAIN
