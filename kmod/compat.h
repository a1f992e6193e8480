/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpass: what differs between the kernels msgpass builds against, in
 * one place. Each difference is detected by kmod/Kbuild from the kernel's
 * own headers (a feature check), not by version number.
 */
#ifndef MSGPASS_COMPAT_H
#define MSGPASS_COMPAT_H

#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/string.h>
#include <net/genetlink.h>

/*
 * receive_fd(): install a received file with the LSM check
 * (security_file_receive()) and the socket cgroup hooks. Newer kernels
 * take a user pointer to write the number to; msgpass writes the numbers
 * itself.
 */
static inline int mp_receive_fd(struct file *file, unsigned int o_flags)
{
#ifdef MP_HAVE_RECEIVE_FD_UFD
	return receive_fd(file, NULL, o_flags);
#else
	return receive_fd(file, o_flags);
#endif
}

/*
 * A device that cannot seek: no_llseek() before 6.12, then no llseek at
 * all (nonseekable_open() is what says so).
 */
#ifdef MP_HAVE_NO_LLSEEK
#define MP_NO_LLSEEK	no_llseek
#else
#define MP_NO_LLSEEK	NULL
#endif

/*
 * The attributes of the request a netlink dump answers: in the dump's
 * struct genl_info since 6.6, directly in struct genl_dumpit_info before.
 */
static inline struct nlattr **mp_dump_attrs(struct netlink_callback *cb)
{
#ifdef MP_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * The process a pidfd refers to, or NULL when @file is no pidfd. The
 * kernel does not export pidfd_pid(); pidfds are recognized as what they
 * are: since pidfs (6.9), files of that filesystem, with the pid in the
 * inode; before, anonymous-inode files named "[pidfd]", with the pid as
 * private data (no other anonymous file has that name). The pid is valid
 * while @file is held.
 */
static inline struct pid *mp_pidfd_pid(struct file *file)
{
	struct super_block *sb = file_inode(file)->i_sb;

#ifdef PID_FS_MAGIC
	if (sb->s_magic == PID_FS_MAGIC)
		return file_inode(file)->i_private;
#endif
	if (sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		return file->private_data;
	return NULL;
}

#endif /* MSGPASS_COMPAT_H */
