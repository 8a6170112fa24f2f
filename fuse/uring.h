/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * uring: FUSE over io_uring (Linux 6.14), in front of libfuse 3.14's request
 * processing, which knows only /dev/fuse.
 *
 * The kernel offers the transport in INIT (FUSE_OVER_IO_URING) only while
 * /sys/module/fuse/parameters/enable_uring is Y; the daemon asks for it in
 * its INIT reply, then registers, per possible CPU, one ring of entries
 * (IORING_OP_URING_CMD on /dev/fuse, 128-byte SQEs).  From the moment the
 * kernel granted the flag it holds every new request back until every
 * queue has an entry registered, then routes requests through the queue of
 * the caller's CPU; FORGET, INTERRUPT and notifications still use
 * /dev/fuse, so the classic loop keeps running beside the ring threads.
 *
 * One thread per queue, pinned to its CPU, turns each ring entry into the
 * classic request bytes (uring_msg.h), has libfuse process them with
 * fuse_session_process_buf(), and catches libfuse's reply in the custom I/O
 * writev/splice hooks (session.c calls uring_reply() and
 * uring_reply_splice() first): the reply goes into the entry's buffers and
 * back with COMMIT_AND_FETCH, which also waits for the next request.
 *
 * Order of use, each step owned by main():
 *   uring_create()  before INIT is answered: rings exist and work, so that
 *                   asking for the flag is safe (and before fuse_daemonize()
 *                   forks: the rings survive the fork, threads would not);
 *   uring_start()   after INIT, with the payload size the kernel demands,
 *                   in the process that serves (after fuse_daemonize());
 *   uring_stop()    after the session loop ends, before the session is
 *                   destroyed.
 */
#ifndef UIDMAPFS_URING_H
#define UIDMAPFS_URING_H

#include <fuse_lowlevel.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct uring;

/* Why the kernel would not offer the transport, from its module parameter:
 * NULL when enable_uring is Y, else a short reason for the log line. */
const char *uring_kernel_refusal(void);

/*
 * Create one io_uring per possible CPU on the /dev/fuse fd @dev_fd (not
 * owned) and check that each answers a NOP.  No entry is registered yet.
 * Returns 0 with *@out set (release with uring_stop()), or -errno with a
 * one-line reason in @err: then nothing is left to release and the
 * daemon must not ask for the transport.
 */
int uring_create(struct uring **out, int dev_fd, char *err, size_t errlen);

/*
 * Start serving: allocate each entry's buffers (@payload_size bytes of
 * payload, from uring_msg_payload_size() of the INIT reply), start one
 * thread per queue, which registers its entries.  Call only after the
 * kernel accepted an INIT reply with FUSE_OVER_IO_URING.  Returns the
 * number of queues, or -errno with a reason in @err: then the kernel has
 * been told to give up the ring for this connection (a registration it
 * refuses turns the transport off), the threads are gone and /dev/fuse
 * serves everything; -EIO means even that could not be done and the
 * mount cannot serve (the caller unmounts).
 */
int uring_start(struct uring *u, struct fuse_session *se, size_t payload_size,
		char *err, size_t errlen);

/*
 * Stop the queue threads, release the rings and buffers and free @u
 * (NULL is allowed).  Logs how many requests the ring served.
 */
void uring_stop(struct uring *u);

/* Requests served through the ring so far (all queues). */
uint64_t uring_served(const struct uring *u);

/*
 * The writev hook's first step: when the calling thread is a queue thread
 * processing a ring request and @iov (fuse_out_header first) answers that
 * request, put the reply into the entry and return its length (or -errno
 * if it does not fit).  Returns -ENOENT for any other reply, which the
 * caller writes to /dev/fuse as usual.
 *
 * The kernel's verdict on a ring reply comes later, with the commit's
 * completion, so an operation never learns here that its caller is gone
 * (fuse_reply_open() returning -ENOENT over /dev/fuse): a ring OPEN or
 * CREATE whose caller was interrupted keeps its backing fd until unmount.
 * Known, and rare: the kernel waits for an open's reply uninterruptibly
 * once the request is sent.
 */
ssize_t uring_reply(const struct iovec *iov, int count);

/*
 * The splice_send hook's first step: libfuse has put a whole reply of
 * @len bytes into the pipe @pipe_fd.  When the calling thread is
 * processing a ring request, read it from the pipe into the entry (or, if
 * it answers another request, write it to @dev_fd) and return @len or
 * -errno.  Returns -ENOENT, reading nothing, when the thread has no ring
 * request.
 */
ssize_t uring_reply_splice(int pipe_fd, size_t len, int dev_fd);

#endif
