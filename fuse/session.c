// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Mounting and the custom I/O hooks.  The hooks are plain read/writev and
 * splice today; they exist so that the INIT exchange passes through code of
 * ours (DESIGN.md section 1).
 */
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

static ssize_t session_read(int fd, void *buf, size_t len, void *userdata)
{
	(void)userdata;
	return read(fd, buf, len);
}

static ssize_t session_writev(int fd, struct iovec *iov, int count,
			      void *userdata)
{
	(void)userdata;
	return writev(fd, iov, count);
}

/* Giving libfuse splice hooks keeps zero-copy data transfer, which custom
 * I/O otherwise turns off. */
static ssize_t session_splice(int fdin, off_t *offin, int fdout, off_t *offout,
			      size_t len, unsigned int flags, void *userdata)
{
	(void)userdata;
	return splice(fdin, offin, fdout, offout, len, flags);
}

static const struct fuse_custom_io session_io = {
	.read = session_read,
	.writev = session_writev,
	.splice_receive = session_splice,
	.splice_send = session_splice,
};

int session_mount(struct fuse_session *se, const struct session_mount *m,
		  char *err, size_t errlen)
{
	char data[256];
	int fd, ret;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open /dev/fuse: %s",
			 strerror(-ret));
		return ret;
	}
	/* default_permissions: the kernel checks access against the ids we
	 * report; allow_other: the callers are not the mounting user. */
	snprintf(data, sizeof(data),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,"
		 "allow_other,default_permissions",
		 fd);
	if (mount(m->source, m->mountpoint, "fuse.uidmapfs", m->flags, data) <
	    0) {
		ret = -errno;
		snprintf(err, errlen, "cannot mount on %s: %s", m->mountpoint,
			 strerror(-ret));
		goto out_close_fd;
	}
	/* From here libfuse owns fd and closes it in fuse_session_destroy. */
	if (fuse_session_custom_io(se, &session_io, fd) < 0) {
		snprintf(err, errlen, "cannot attach the FUSE connection");
		session_unmount(m->mountpoint);
		ret = -EIO;
		goto out_close_fd;
	}
	return 0;

out_close_fd:
	close(fd);
	return ret;
}

int session_unmount(const char *mountpoint)
{
	if (umount2(mountpoint, UMOUNT_NOFOLLOW) == 0)
		return 0;
	if (errno != EBUSY)
		return -errno;
	/* Files are still open: detach now, the kernel finishes when the
	 * last user is gone. */
	if (umount2(mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	return 0;
}
