// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FUSE over io_uring in front of libfuse 3.14 (see uring.h for the shape,
 * uring_msg.h for the bytes).  Checked against the kernel's
 * fs/fuse/dev_uring.c (Linux 6.14 to 6.18):
 * - REGISTER is refused with EAGAIN until the INIT reply was processed,
 *   and once the INIT reply granted FUSE_OVER_IO_URING the kernel blocks
 *   every new request until each of num_possible_cpus() queues has an
 *   entry; a REGISTER the kernel refuses clears the grant and releases the
 *   blocked requests to /dev/fuse.  That is how a failed start falls back.
 * - Only IORING_SETUP_SQE128 is required (the command lives in the SQE);
 *   completions carry no second result, so no CQE32.
 * - A request is delivered in the task that registered the entry: each
 *   queue thread issues its own REGISTERs and commits.
 */
#include "uring.h"
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "uring_msg.h"

#define URING_PAGE 4096

struct uring_queue;

struct uring_ent {
	struct uring_queue *q;
	struct fuse_uring_req_header *hdr;
	unsigned char *buf; /* headroom, then the payload */
	unsigned char *payload;
	struct iovec iov[2]; /* what REGISTER hands the kernel */
	uint64_t commit_id;
	bool replied;
};

struct uring_queue {
	struct uring *u;
	unsigned int qid;
	struct io_uring ring;
	bool ring_ok;
	int stop_fd; /* eventfd: uring_stop() wakes the thread */
	pthread_t thread;
	bool thread_ok;
	struct uring_ent ents[URING_MSG_DEPTH_MAX]; /* u->depth used */
	uint64_t served;	 /* written by the queue thread only */
	unsigned int registered; /* entries the kernel holds */
	bool lost_logged;
	/* Reported to uring_start() under u->lock: */
	bool reported;
	int start_err;	   /* the thread could not submit */
	unsigned int kept; /* entries the kernel accepted at start */
};

struct uring {
	struct fuse_session *se;
	int dev_fd;
	unsigned int nr_queues;
	unsigned int depth; /* entries per queue: uring_msg_queue_depth() */
	size_t payload_size;
	bool serving; /* uring_start() succeeded */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct uring_queue *queues;
};

/*
 * Thread-local because the FUSE reply path forces it: libfuse calls our
 * writev hook from inside fuse_session_process_buf(), in the queue
 * thread, with no way to say which ring entry the request came from.
 */
static _Thread_local struct uring_ent *uring_current;

/* The user_data of the teardown poll; entries use their address. */
#define URING_STOP_TAG 0

const char *uring_kernel_refusal(void)
{
	char v = 0;
	int fd;

	fd = open("/sys/module/fuse/parameters/enable_uring",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "this kernel has no FUSE over io_uring (Linux 6.14 or "
		       "later with CONFIG_FUSE_IO_URING)";
	if (read(fd, &v, 1) != 1)
		v = 0;
	close(fd);
	if (v == 'Y' || v == 'y' || v == '1')
		return NULL;
	return "enable_uring is N";
}

static int uring_possible_cpus(void)
{
	char text[256];
	ssize_t n;
	int fd;

	fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	text[n] = '\0';
	return uring_msg_parse_cpus(text);
}

/* Prove the ring works before the kernel is told it will be used: a NOP
 * there and back. */
static int uring_probe(struct io_uring *ring)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (!sqe)
		return -EBUSY;
	io_uring_prep_nop(sqe);
	ret = io_uring_submit_and_wait(ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_peek_cqe(ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return ret < 0 ? ret : 0;
}

static int uring_queue_init(struct uring_queue *q, int dev_fd)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQE128 };
	int ret;

	q->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (q->stop_fd < 0)
		return -errno;
	/* One SQE per entry and one for the teardown poll. */
	ret = io_uring_queue_init_params(q->u->depth + 1, &q->ring, &p);
	if (ret < 0)
		return ret;
	q->ring_ok = true;
	/* /dev/fuse as fixed file 0: no file lookup per command. */
	ret = io_uring_register_files(&q->ring, &dev_fd, 1);
	if (ret < 0)
		return ret;
	return uring_probe(&q->ring);
}

static void uring_free(struct uring *u)
{
	unsigned int i, j;

	for (i = 0; i < u->nr_queues; i++) {
		struct uring_queue *q = &u->queues[i];

		if (q->ring_ok)
			io_uring_queue_exit(&q->ring);
		if (q->stop_fd >= 0)
			close(q->stop_fd);
		for (j = 0; j < u->depth; j++) {
			free(q->ents[j].hdr);
			free(q->ents[j].buf);
		}
	}
	free(u->queues);
	pthread_cond_destroy(&u->cond);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int uring_create(struct uring **out, int dev_fd, char *err, size_t errlen)
{
	struct uring *u;
	unsigned int i;
	int ret;

	ret = uring_possible_cpus();
	if (ret <= 0) {
		ret = ret < 0 ? ret : -EINVAL;
		snprintf(err, errlen, "cannot count the possible CPUs: %s",
			 strerror(-ret));
		return ret;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->dev_fd = dev_fd;
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	u->queues = calloc((size_t)ret, sizeof(*u->queues));
	if (!u->queues) {
		uring_free(u);
		return -ENOMEM;
	}
	u->nr_queues = (unsigned int)ret;
	u->depth = uring_msg_queue_depth(u->nr_queues);
	for (i = 0; i < u->nr_queues; i++)
		u->queues[i].stop_fd = -1;
	for (i = 0; i < u->nr_queues; i++) {
		struct uring_queue *q = &u->queues[i];

		q->u = u;
		q->qid = i;
		ret = uring_queue_init(q, dev_fd);
		if (ret < 0) {
			snprintf(err, errlen, "io_uring set-up failed: %s",
				 strerror(-ret));
			uring_free(u);
			return ret;
		}
	}
	*out = u;
	return 0;
}

/* An IORING_OP_URING_CMD on /dev/fuse (fixed file 0) for @ent. */
static struct io_uring_sqe *uring_prep_cmd(struct uring_queue *q,
					   struct uring_ent *ent, uint32_t op)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->ring);
	struct fuse_uring_cmd_req cmd = { .qid = (uint16_t)q->qid };

	if (!sqe)
		return NULL;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->cmd_op = op;
	if (op == FUSE_IO_URING_CMD_COMMIT_AND_FETCH)
		cmd.commit_id = ent->commit_id;
	/* The command area is the SQE's second half (SQE128): 80 bytes,
	 * zero beyond the command. */
	memset(sqe->cmd, 0, 80);
	memcpy(sqe->cmd, &cmd, sizeof(cmd));
	io_uring_sqe_set_data(sqe, ent);
	return sqe;
}

_Static_assert(sizeof(((struct io_uring_sqe *)0)->addr) >= sizeof(uintptr_t),
	       "an SQE's addr must hold a pointer");

static int uring_register(struct uring_queue *q, struct uring_ent *ent)
{
	struct io_uring_sqe *sqe;

	sqe = uring_prep_cmd(q, ent, FUSE_IO_URING_CMD_REGISTER);
	if (!sqe)
		return -EBUSY;
	sqe->addr = (uint64_t)(uintptr_t)ent->iov;
	sqe->len = 2;
	return 0;
}

/* Answer the entry's request with an error (libfuse did not, or the
 * entry could not be read). */
static void uring_reply_error(struct uring_ent *ent, int error)
{
	struct fuse_out_header out = {
		.len = sizeof(out),
		.error = -error,
		.unique = ent->commit_id,
	};
	struct iovec iov = { .iov_base = &out, .iov_len = sizeof(out) };

	uring_msg_reply(ent->hdr, ent->payload, ent->q->u->payload_size, &iov,
			1);
}

/*
 * The kernel no longer holds one of @q's entries (@err says why), which is
 * never submitted again.  Said once per queue, and again, as an error,
 * when the last one goes: the kernel picks a queue by the caller's CPU, so
 * callers on that CPU then wait until the mount goes.
 */
static void uring_lost(struct uring_queue *q, int err)
{
	if (q->registered > 0)
		q->registered--;
	/* At start-up a refused REGISTER hands the requests back to
	 * /dev/fuse (uring_start()): only a running queue strands them. */
	if (q->registered == 0 && q->reported)
		fuse_log(FUSE_LOG_ERR,
			 "uidmapfs: io_uring: queue %u lost its last entry "
			 "(%s): requests from CPU %u wait until unmount\n",
			 q->qid, strerror(-err), q->qid);
	else if (!q->lost_logged)
		fuse_log(FUSE_LOG_WARNING,
			 "uidmapfs: io_uring: queue %u lost an entry (%s); "
			 "%u left\n",
			 q->qid, strerror(-err), q->registered);
	q->lost_logged = true;
}

/* A request arrived in @ent: have libfuse serve it, then commit the
 * reply and fetch the next request with the same entry. */
static void uring_serve(struct uring_queue *q, struct uring_ent *ent)
{
	struct fuse_buf buf = { .mem = NULL };
	unsigned char *req;
	size_t len;
	int ret;

	ret = uring_msg_request(ent->hdr, ent->payload, q->u->payload_size,
				&req, &len, &ent->commit_id);
	if (ret < 0) {
		memcpy(&ent->commit_id, &ent->hdr->ring_ent_in_out.commit_id,
		       sizeof(ent->commit_id));
		fuse_log(FUSE_LOG_ERR,
			 "uidmapfs: io_uring: malformed request in queue %u\n",
			 q->qid);
		uring_reply_error(ent, EIO);
	} else {
		buf.mem = req;
		buf.size = len;
		ent->replied = false;
		uring_current = ent;
		/* The kill bits libfuse does not pass on (KILLPRIV_V2). */
		session_note_request(req, len);
		fuse_session_process_buf(q->u->se, &buf);
		uring_current = NULL;
		/* Every request that comes over the ring expects a reply,
		 * and all our operations reply before they return. */
		if (!ent->replied)
			uring_reply_error(ent, EIO);
	}
	q->served++;
	if (!uring_prep_cmd(q, ent, FUSE_IO_URING_CMD_COMMIT_AND_FETCH))
		uring_lost(q, -EBUSY);
}

/*
 * One completion.  Returns 1 to go on, 0 when the thread must end (the
 * teardown poll, or the connection is gone).
 */
static int uring_complete(struct uring_queue *q, struct io_uring_cqe *cqe)
{
	struct uring_ent *ent = io_uring_cqe_get_data(cqe);
	int res = cqe->res;

	if (!ent)
		return 0;
	if (res == 0) {
		uring_serve(q, ent);
		return 1;
	}
	if (res == -ENOTCONN || res == -ECANCELED || res == -ECONNABORTED)
		return 0;
	if ((res == -EAGAIN || res == -EINTR) && uring_register(q, ent) == 0)
		return 1;
	/* Refused (REGISTER), a commit the kernel could not match, or no
	 * room to try again. */
	uring_lost(q, res);
	return 1;
}

/* Handle what has completed, without waiting.  Returns as
 * uring_complete(). */
static int uring_drain(struct uring_queue *q)
{
	struct io_uring_cqe *cqe;
	int go = 1;

	while (go && io_uring_peek_cqe(&q->ring, &cqe) == 0) {
		go = uring_complete(q, cqe);
		io_uring_cqe_seen(&q->ring, cqe);
	}
	return go;
}

/* Pin the thread to its queue's CPU: the kernel picks the queue by the
 * caller's CPU, and the reply is cheapest from there. */
static void uring_pin(struct uring_queue *q)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(q->qid, &set);
	/* A possible CPU that is offline cannot be pinned to; its queue
	 * then gets no requests until it comes online. */
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int uring_register_all(struct uring_queue *q)
{
	struct io_uring_sqe *sqe;
	unsigned int i;
	int ret;

	for (i = 0; i < q->u->depth; i++) {
		ret = uring_register(q, &q->ents[i]);
		if (ret < 0)
			return ret;
	}
	sqe = io_uring_get_sqe(&q->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, q->stop_fd, POLLIN);
	io_uring_sqe_set_data(sqe, URING_STOP_TAG);
	ret = io_uring_submit(&q->ring);
	return ret < 0 ? ret : 0;
}

static void uring_report(struct uring_queue *q, int err)
{
	pthread_mutex_lock(&q->u->lock);
	q->start_err = err;
	q->kept = q->registered;
	q->reported = true;
	pthread_cond_broadcast(&q->u->cond);
	pthread_mutex_unlock(&q->u->lock);
}

static void *uring_thread(void *arg)
{
	struct uring_queue *q = arg;
	int ret, go;

	uring_pin(q);
	ret = uring_register_all(q);
	if (ret < 0) {
		uring_report(q, ret);
		return NULL;
	}
	/* A REGISTER the kernel refuses completes at once, inside the
	 * submit: count what it kept before reporting. */
	q->registered = q->u->depth;
	go = uring_drain(q);
	uring_report(q, 0);
	while (go) {
		ret = io_uring_submit_and_wait(&q->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN) {
			fuse_log(FUSE_LOG_ERR,
				 "uidmapfs: io_uring: queue %u: %s\n", q->qid,
				 strerror(-ret));
			break;
		}
		go = uring_drain(q);
	}
	/* The commits the last drain prepared carry replies to requests
	 * already served: their callers wait for them. */
	io_uring_submit(&q->ring);
	return NULL;
}

static int uring_alloc_entries(struct uring *u)
{
	unsigned int i, j;

	for (i = 0; i < u->nr_queues; i++) {
		for (j = 0; j < u->depth; j++) {
			struct uring_ent *e = &u->queues[i].ents[j];

			void *hdr = NULL, *buf = NULL;

			e->q = &u->queues[i];
			if (posix_memalign(&hdr, URING_PAGE, sizeof(*e->hdr)))
				return -ENOMEM;
			e->hdr = hdr;
			if (posix_memalign(&buf, URING_PAGE,
					   URING_MSG_HEADROOM +
						   u->payload_size))
				return -ENOMEM;
			e->buf = buf;
			memset(e->hdr, 0, sizeof(*e->hdr));
			e->payload = e->buf + URING_MSG_HEADROOM;
			e->iov[0] = (struct iovec){ e->hdr, sizeof(*e->hdr) };
			e->iov[1] =
				(struct iovec){ e->payload, u->payload_size };
		}
	}
	return 0;
}

/* End the queue threads (they have started when thread_ok). */
static void uring_join(struct uring *u)
{
	const uint64_t one = 1;
	unsigned int i;

	for (i = 0; i < u->nr_queues; i++) {
		struct uring_queue *q = &u->queues[i];

		if (!q->thread_ok)
			continue;
		if (write(q->stop_fd, &one, sizeof(one)) != sizeof(one))
			fuse_log(FUSE_LOG_ERR,
				 "uidmapfs: io_uring: cannot wake queue %u\n",
				 i);
		pthread_join(q->thread, NULL);
		q->thread_ok = false;
	}
}

/*
 * Make the kernel give the ring up for this connection: it clears the
 * grant when a REGISTER fails, and a queue id past the last is refused
 * before anything is allocated.  Uses a ring no thread serves.
 */
static int uring_refuse(struct uring_queue *q)
{
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret;

	sqe = io_uring_get_sqe(&q->ring);
	if (!sqe)
		return -EBUSY;
	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, 0, NULL, 0, 0);
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->cmd_op = FUSE_IO_URING_CMD_REGISTER;
	memset(sqe->cmd, 0, 80);
	((struct fuse_uring_cmd_req *)(void *)sqe->cmd)->qid = UINT16_MAX;
	io_uring_sqe_set_data(sqe, NULL);
	ret = io_uring_submit_and_wait(&q->ring, 1);
	if (ret < 0)
		return ret;
	ret = io_uring_peek_cqe(&q->ring, &cqe);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&q->ring, cqe);
	/* Refused is what we want. */
	return ret < 0 ? 0 : -EIO;
}

/* Wait for every started thread to report; returns the first error, or
 * -ENXIO when some queue kept no entry. */
static int uring_wait_started(struct uring *u, unsigned int started)
{
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&u->lock);
	for (i = 0; i < started; i++) {
		struct uring_queue *q = &u->queues[i];

		while (!q->reported)
			pthread_cond_wait(&u->cond, &u->lock);
		if (!ret && q->start_err)
			ret = q->start_err;
		if (!ret && q->kept == 0)
			ret = -ENXIO;
	}
	pthread_mutex_unlock(&u->lock);
	return ret;
}

/*
 * Start the queue threads with every signal blocked, as libfuse starts its
 * workers: SIGTERM and the like must reach a thread that ends the session
 * loop, not a queue thread waiting in io_uring_enter().  *@started counts
 * the threads started.  Returns 0 or -errno.
 */
static int uring_spawn(struct uring *u, unsigned int *started)
{
	sigset_t all, old;
	int ret = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; *started < u->nr_queues; (*started)++) {
		struct uring_queue *q = &u->queues[*started];

		ret = -pthread_create(&q->thread, NULL, uring_thread, q);
		if (ret < 0)
			break;
		q->thread_ok = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

int uring_start(struct uring *u, struct fuse_session *se, size_t payload_size,
		char *err, size_t errlen)
{
	struct uring_queue *spare = NULL;
	unsigned int started = 0;
	int ret;

	u->se = se;
	u->payload_size = payload_size;
	ret = uring_alloc_entries(u);
	if (ret < 0) {
		snprintf(err, errlen, "io_uring buffers: %s", strerror(-ret));
		goto out_refuse;
	}
	ret = uring_spawn(u, &started);
	if (ret < 0) {
		snprintf(err, errlen, "io_uring queue thread: %s",
			 strerror(-ret));
		goto out_refuse;
	}
	ret = uring_wait_started(u, started);
	if (ret == -ENXIO) {
		/* The kernel refused a whole queue, and with it the ring:
		 * /dev/fuse serves already. */
		snprintf(err, errlen,
			 "the kernel refused the io_uring registration");
		uring_join(u);
		return ret;
	}
	if (ret < 0) {
		snprintf(err, errlen, "io_uring registration failed: %s",
			 strerror(-ret));
		goto out_refuse;
	}
	u->serving = true;
	return (int)u->nr_queues;

out_refuse:
	/* A ring no thread uses: a failed thread's, else one never
	 * started. */
	uring_join(u);
	spare = &u->queues[started < u->nr_queues ? started : 0];
	if (uring_refuse(spare) < 0) {
		snprintf(err, errlen,
			 "io_uring failed after INIT and the kernel could not "
			 "be told to use /dev/fuse");
		return -EIO;
	}
	return ret;
}

uint64_t uring_served(const struct uring *u)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; u && i < u->nr_queues; i++)
		n += u->queues[i].served;
	return n;
}

void uring_stop(struct uring *u)
{
	if (!u)
		return;
	uring_join(u);
	if (u->serving)
		fuse_log(FUSE_LOG_INFO,
			 "uidmapfs: io_uring served %llu requests\n",
			 (unsigned long long)uring_served(u));
	uring_free(u);
}

ssize_t uring_reply(const struct iovec *iov, int count)
{
	struct uring_ent *ent = uring_current;
	struct fuse_out_header out;
	long ret;

	if (!ent || count < 1 || iov[0].iov_len != sizeof(out))
		return -ENOENT;
	memcpy(&out, iov[0].iov_base, sizeof(out));
	/* libfuse may answer an earlier INTERRUPT while processing our
	 * request: that reply belongs to /dev/fuse. */
	if (out.unique != ent->commit_id || ent->replied)
		return -ENOENT;
	ret = uring_msg_reply(ent->hdr, ent->payload, ent->q->u->payload_size,
			      iov, count);
	if (ret < 0)
		return ret;
	ent->replied = true;
	return ret;
}

/* Read exactly @len bytes from the pipe. */
static int uring_read_full(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t uring_reply_splice(int pipe_fd, size_t len, int dev_fd)
{
	struct uring_ent *ent = uring_current;
	struct fuse_out_header out;
	struct iovec iov[2];
	unsigned char *rest;
	ssize_t ret;

	if (!ent)
		return -ENOENT;
	if (len < sizeof(out))
		return -EPROTO;
	ret = uring_read_full(pipe_fd, &out, sizeof(out));
	if (ret < 0)
		return ret;
	iov[0] = (struct iovec){ &out, sizeof(out) };
	if (out.unique == ent->commit_id && !ent->replied) {
		if (len - sizeof(out) > ent->q->u->payload_size)
			return -EMSGSIZE;
		ret = uring_read_full(pipe_fd, ent->payload, len - sizeof(out));
		if (ret < 0)
			return ret;
		iov[1] = (struct iovec){ ent->payload, len - sizeof(out) };
		return uring_reply(iov, 2);
	}
	/* Another request's reply, now out of the pipe: to /dev/fuse, and
	 * never through this entry's payload, which holds our request. */
	rest = malloc(len - sizeof(out) + 1);
	if (!rest)
		return -ENOMEM;
	ret = uring_read_full(pipe_fd, rest, len - sizeof(out));
	if (ret == 0) {
		iov[1] = (struct iovec){ rest, len - sizeof(out) };
		ret = writev(dev_fd, iov, 2);
		ret = ret < 0 ? -errno : ret;
	}
	free(rest);
	return ret;
}
