// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/msgpass skeleton: the device node, the version and counters
 * ioctls, bad ioctls, and endpoints across open(), close() and fork().
 */
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "mp_test.h"

/* A command number like @cmd but claiming a structure of @size bytes. */
#define MP_RESIZE(cmd, size) \
	(((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT)) | \
	 ((unsigned long)(size) << _IOC_SIZESHIFT))

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open(MSGPASS_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", MSGPASS_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(device_node_is_misc_char_device_mode_0666)
{
	struct stat st;

	ASSERT_EQ(0, stat(MSGPASS_DEVICE, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(10, major(st.st_rdev));	/* MISC_MAJOR */
}

TEST_F(dev, version_reports_abi_and_limits)
{
	struct mp_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, MP_IOC_VERSION, &v));
	EXPECT_EQ(MP_ABI_MAJOR, v.abi_major);
	EXPECT_EQ(MP_ABI_MINOR, v.abi_minor);
	EXPECT_TRUE(v.features & MP_FEAT_VERSION);
	EXPECT_TRUE(v.features & MP_FEAT_COUNTERS);
	EXPECT_EQ(mp_test_param("max_msg_size"), (long long)v.max_msg_size);
	for (size_t i = 0; i < sizeof(v.__reserved) / sizeof(v.__reserved[0]); i++)
		EXPECT_EQ(0, v.__reserved[i]);
}

TEST_F(dev, version_too_short_struct_is_einval)
{
	char buf[8];

	EXPECT_EQ(-1, ioctl(self->fd, MP_RESIZE(MP_IOC_VERSION, sizeof(buf)), buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, MP_RESIZE(MP_IOC_VERSION, 0), buf));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, version_older_caller_gets_head_only)
{
	size_t old = offsetof(struct mp_version, max_msg_size);
	unsigned char buf[sizeof(struct mp_version)];
	struct mp_version v;

	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, MP_RESIZE(MP_IOC_VERSION, old), buf));
	memcpy(&v, buf, sizeof(v));
	EXPECT_EQ(MP_ABI_MAJOR, v.abi_major);
	for (size_t i = old; i < sizeof(buf); i++) {
		ASSERT_EQ(0x5a, buf[i]) TH_LOG("byte %zu written past the caller's size", i);
	}
}

TEST_F(dev, version_newer_caller_gets_tail_zeroed)
{
	unsigned char buf[sizeof(struct mp_version) + 24];
	struct mp_version v;

	memset(buf, 0x5a, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->fd, MP_RESIZE(MP_IOC_VERSION, sizeof(buf)), buf));
	memcpy(&v, buf, sizeof(v));
	EXPECT_EQ(MP_ABI_MAJOR, v.abi_major);
	for (size_t i = sizeof(v); i < sizeof(buf); i++) {
		ASSERT_EQ(0, buf[i]) TH_LOG("tail byte %zu not zeroed", i);
	}
}

TEST_F(dev, version_bad_pointers_are_efault)
{
	void *ro;

	EXPECT_EQ(-1, ioctl(self->fd, MP_IOC_VERSION, NULL));
	EXPECT_EQ(EFAULT, errno);

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	EXPECT_EQ(-1, ioctl(self->fd, MP_IOC_VERSION, ro));
	EXPECT_EQ(EFAULT, errno);
	munmap(ro, 4096);

	/* The end of the buffer past the end of the mapping. */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	munmap(ro, 4096);
	EXPECT_EQ(-1, ioctl(self->fd, MP_IOC_VERSION, ro));
	EXPECT_EQ(EFAULT, errno);
}

TEST_F(dev, unknown_commands_are_enotty)
{
	struct mp_version v;
	int x = 0;

	EXPECT_EQ(-1, ioctl(self->fd, _IO(MP_IOC_MAGIC, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(MP_IOC_MAGIC, 0xff, int), &x));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOR('x', 0x00, struct mp_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number with the wrong direction is another command. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(MP_IOC_MAGIC, 0x00, struct mp_version), &v));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(MP_IOC_MAGIC, 0x00)));
	EXPECT_EQ(ENOTTY, errno);
	/* A terminal ioctl on a device that is no terminal. */
	EXPECT_EQ(-1, ioctl(self->fd, TCGETS, &v));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(dev, device_is_not_seekable_readable_or_writable)
{
	char c = 0;

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, counters_report_caller_endpoint)
{
	struct mp_counters_info c;

	memset(&c, 0xa5, sizeof(c));
	ASSERT_EQ(0, ioctl(self->fd, MP_IOC_COUNTERS, &c));
	EXPECT_LE(1, c.endpoints);
	for (size_t i = 0; i < sizeof(c.__reserved) / sizeof(c.__reserved[0]); i++)
		EXPECT_EQ(0, c.__reserved[i]);
}

TEST(second_open_in_process_shares_its_endpoint)
{
	long before = mp_test_endpoints();
	int a, b;

	ASSERT_LE(0, before);
	a = open(MSGPASS_DEVICE, O_RDWR);
	ASSERT_LE(0, a);
	b = open(MSGPASS_DEVICE, O_RDWR);
	ASSERT_LE(0, b);
	EXPECT_EQ(before, mp_test_endpoints());
	close(a);
	EXPECT_EQ(before, mp_test_endpoints());
	close(b);
}

TEST(open_close_many_times_leaves_no_endpoint)
{
	long before = mp_test_endpoints();

	ASSERT_LE(0, before);
	for (int i = 0; i < 2000; i++) {
		int fd = open(MSGPASS_DEVICE, O_RDWR);

		ASSERT_LE(0, fd) TH_LOG("open #%d: %s", i, strerror(errno));
		ASSERT_EQ(0, close(fd));
	}
	EXPECT_EQ(before, mp_test_endpoints());
}

TEST(endpoint_goes_away_when_process_exits)
{
	int hold = open(MSGPASS_DEVICE, O_RDWR);
	long before;
	int status;
	pid_t pid;

	ASSERT_LE(0, hold);
	before = mp_test_endpoints();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(MSGPASS_DEVICE, O_RDWR);

		_exit(fd >= 0 && mp_test_endpoints() == before + 1 ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(before, mp_test_endpoints());
	close(hold);
}

TEST(library_child_gets_its_own_endpoint)
{
	struct mp_counters_info c;
	int status, parent_fd;
	long before;
	pid_t pid;

	parent_fd = mp_fd();
	ASSERT_LE(0, parent_fd);
	ASSERT_EQ(0, mp_counters(&c));
	before = (long)c.endpoints;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct mp_counters_info cc;

		/* The inherited descriptor was closed by the fork handler. */
		if (fcntl(parent_fd, F_GETFD) != -1 && mp_fd() == parent_fd &&
		    fcntl(parent_fd, F_GETFD) == -1)
			_exit(2);
		if (mp_counters(&cc))
			_exit(3);
		_exit(cc.endpoints == (unsigned long long)before + 1 ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, mp_counters(&c));
	EXPECT_EQ(before, (long)c.endpoints);
}

TEST_HARNESS_MAIN
