// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * container: see container.h.  Every change to the state happens under its
 * lock, from the first look at the spec to the rewritten file, so that the
 * containers of a pod, created in parallel, share one uidmapfs per volume.
 */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "probe.h"
#include "spec.h"
#include "state.h"

/* A config.json larger than this is not a spec a runtime would read. */
#define CONTAINER_SPEC_MAX (16 * 1024 * 1024)
/* Room for a path and the reason around it. */
#define CONTAINER_ERR (PATH_MAX + 512)

/* The absolute, resolved path of a mount source; a relative one is taken
 * from the bundle, as runc and crun take it. */
static int container_source(const char *bundle, const char *source, char *out)
{
	char joined[PATH_MAX];

	if (source[0] != '/') {
		if (snprintf(joined, sizeof(joined), "%s/%s", bundle, source) >=
		    (int)sizeof(joined))
			return -ENAMETOOLONG;
		source = joined;
	}
	if (!realpath(source, out))
		return -errno;
	return 0;
}

/* Drop @id's reference on volume @key; stop and forget the volume when it
 * was the last. */
static int container_drop(const struct container_ctx *x, struct state *st,
			  const char *key, const char *id, char *err,
			  size_t errlen)
{
	struct volume v = { 0 };
	int users, ret;

	ret = state_volume_drop_user(st, key, id);
	if (ret)
		goto out_fail;
	users = state_volume_users(st, key);
	if (users != 0) {
		ret = users < 0 ? users : 0;
		goto out_fail;
	}
	ret = state_volume_load(st, key, &v);
	if (ret == 0) {
		ret = daemon_stop(&x->daemon, &v, err, errlen);
		if (ret) {
			volume_free(&v);
			return ret;
		}
	} else if (ret == -ENOENT || ret == -EBADMSG) {
		/* Its daemon never came up (no info was written): only the
		 * directories are left. */
		snprintf(v.key, sizeof(v.key), "%s", key);
	} else {
		goto out_fail;
	}
	ret = state_volume_remove(st, &v);
	volume_free(&v);
out_fail:
	if (ret)
		snprintf(err, errlen, "volume %s: %s", key, strerror(-ret));
	return ret;
}

static int container_release_locked(const struct container_ctx *x,
				    struct state *st, const char *id, char *err,
				    size_t errlen)
{
	char(*keys)[STATE_KEY_LEN + 1];
	size_t n, i;
	int ret, first = 0;

	ret = state_container_keys(st, id, &keys, &n);
	if (ret) {
		snprintf(err, errlen, "state of container %s: %s", id,
			 strerror(-ret));
		return ret;
	}
	for (i = 0; i < n; i++) {
		ret = container_drop(x, st, keys[i], id, err, errlen);
		if (ret && !first)
			first = ret; /* go on: release what can be */
	}
	free(keys);
	if (!first)
		first = state_container_remove(st, id);
	return first;
}

/* A volume for @v's source and maps that serves container @id: the one
 * already running, or a new one. */
static int container_attach(const struct container_ctx *x, struct state *st,
			    struct volume *v, int exists, const char *id,
			    char *err, size_t errlen)
{
	char log[PATH_MAX];
	int ret;

	ret = state_container_add(st, id, v->key);
	if (!ret)
		ret = state_volume_prepare(st, v);
	if (!ret)
		ret = state_volume_add_user(st, v->key, id);
	if (ret) {
		snprintf(err, errlen, "state: %s", strerror(-ret));
		return ret;
	}
	if (exists && daemon_healthy(v)) {
		if (!daemon_visible(v)) {
			snprintf(
				err, errlen,
				"its uidmapfs (pid %ld) is mounted in another mount namespace",
				(long)v->pid);
			return -EXDEV;
		}
		return 0;
	}
	/* Not there, or its daemon died: stop what is left, start anew. */
	if (exists)
		daemon_stop(&x->daemon, v, err, errlen);
	ret = state_volume_log(st, v, log, sizeof(log));
	if (!ret)
		ret = daemon_start(&x->daemon, v, log, err, errlen);
	else
		snprintf(err, errlen, "%s", strerror(-ret));
	if (!ret)
		ret = state_volume_save(st, v);
	return ret;
}

/* Handle mount @m of @spec: leave it to the runtime (0), or serve it and
 * point the mount there (1); -errno with a reason. */
static int container_mount(const struct container_ctx *x, struct state *st,
			   struct spec *spec, const struct spec_idmount *m,
			   const char *bundle, const char *id, char *err,
			   size_t errlen)
{
	char source[PATH_MAX], target[PATH_MAX], why[CONTAINER_ERR];
	const char *name = NULL;
	struct volume v = { 0 };
	struct stat sb;
	int ret;

	ret = container_source(bundle, m->source, source);
	if (ret) {
		snprintf(why, sizeof(why), "source %s: %s", m->source,
			 strerror(-ret));
		goto out_fail;
	}
	ret = probe_idmap(source, m->uidmap, m->gidmap, m->recursive, why,
			  sizeof(why));
	if (ret == 1)
		return 0; /* the kernel can: the runtime does it */
	if (ret < 0)
		goto out_fail;
	if (stat(source, &sb) < 0) {
		ret = -errno;
		snprintf(why, sizeof(why), "source %s: %s", source,
			 strerror(-ret));
		goto out_fail;
	}
	/* A file (a subPath volume of one file): uidmapfs serves its
	 * directory, and the mount binds the file from there. */
	if (!S_ISDIR(sb.st_mode)) {
		char *slash = strrchr(source, '/');

		name = slash + 1;
		*slash = '\0';
		if (!*source)
			strcpy(source, "/");
	}
	ret = state_volume_get(st, source, m->uidmap, m->gidmap, &v, why,
			       sizeof(why));
	if (ret < 0)
		goto out_fail;
	ret = container_attach(x, st, &v, ret, id, why, sizeof(why));
	if (!ret &&
	    snprintf(target, sizeof(target), "%s%s%s", v.mnt, name ? "/" : "",
		     name ? name : "") >= (int)sizeof(target))
		ret = -ENAMETOOLONG;
	if (!ret)
		ret = spec_redirect_mount(spec, m->index, target, why,
					  sizeof(why));
	else if (ret == -ENAMETOOLONG)
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	volume_free(&v);
	if (!ret)
		return 1;
out_fail:
	snprintf(err, errlen, "mount %s: %s", m->destination, why);
	return ret;
}

/* A record left by a container the runtime no longer knows (a crash
 * between create and delete): release it before the id is used again. */
static int container_forget_stale(const struct container_ctx *x,
				  struct state *st, const char *id, char *err,
				  size_t errlen)
{
	char(*keys)[STATE_KEY_LEN + 1];
	size_t n;
	int ret;

	ret = state_container_keys(st, id, &keys, &n);
	free(keys);
	if (ret || n == 0)
		return ret;
	/* An answer other than "no" keeps the record (and the volumes). */
	if (container_runtime_knows(x, id) != 0) {
		snprintf(err, errlen, "container %s already exists", id);
		return -EEXIST;
	}
	return container_release_locked(x, st, id, err, errlen);
}

static int container_rewrite(const struct container_ctx *x, struct state *st,
			     const char *id, const char *bundle,
			     const char *spec_path, char *err, size_t errlen)
{
	struct spec_idmount *mounts = NULL;
	struct spec *spec = NULL;
	size_t n = 0, i, len;
	char *text, *out;
	bool changed = false;
	mode_t mode;
	int ret;

	ret = fileio_read(AT_FDCWD, spec_path, 0, CONTAINER_SPEC_MAX, &text,
			  &len, &mode);
	if (ret) {
		snprintf(err, errlen, "%s: %s", spec_path, strerror(-ret));
		return ret;
	}
	ret = spec_parse(text, len, &spec, err, errlen);
	free(text);
	if (!ret)
		ret = spec_idmounts(spec, &mounts, &n, err, errlen);
	for (i = 0; !ret && i < n; i++) {
		ret = container_mount(x, st, spec, &mounts[i], bundle, id, err,
				      errlen);
		changed |= ret == 1;
		ret = ret < 0 ? ret : 0;
	}
	if (!ret && changed) {
		out = spec_serialize(spec, &len);
		ret = out ? fileio_replace(AT_FDCWD, spec_path, out, len, mode)
			  : -ENOMEM;
		free(out);
		if (ret)
			snprintf(err, errlen, "cannot rewrite %s: %s",
				 spec_path, strerror(-ret));
	}
	spec_idmounts_free(mounts, n);
	spec_free(spec);
	return ret;
}

int container_prepare(const struct container_ctx *x, const char *id,
		      const char *bundle, const char *spec_path, char *err,
		      size_t errlen)
{
	char undo[CONTAINER_ERR];
	struct state st;
	int ret;

	ret = state_lock(&st, x->state_dir, err, errlen);
	if (ret)
		return ret;
	/* A container of this id that the runtime knows is running on its
	 * volumes: refuse before anything is changed, and undo nothing. */
	ret = container_forget_stale(x, &st, id, err, errlen);
	if (ret)
		goto out_unlock;
	ret = container_rewrite(x, &st, id, bundle, spec_path, err, errlen);
	/* Nothing stays mounted for a create that will not happen. */
	if (ret)
		container_release_locked(x, &st, id, undo, sizeof(undo));
out_unlock:
	state_unlock(&st);
	return ret;
}

int container_release(const struct container_ctx *x, const char *id, char *err,
		      size_t errlen)
{
	struct state st;
	int ret;

	ret = state_lock(&st, x->state_dir, err, errlen);
	if (ret)
		return ret;
	ret = container_release_locked(x, &st, id, err, errlen);
	state_unlock(&st);
	return ret;
}

int container_runtime_knows(const struct container_ctx *x, const char *id)
{
	int i = 0, k, n = 0, status, null;
	char **argv;
	pid_t pid;

	while (x->globals && x->globals[n])
		n++;
	argv = calloc((size_t)n + 4, sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	argv[i++] = (char *)x->runtime;
	for (k = 0; k < n; k++)
		argv[i++] = x->globals[k];
	argv[i++] = "state";
	argv[i++] = (char *)id;
	argv[i] = NULL;
	pid = fork();
	if (pid < 0) {
		free(argv);
		return -errno;
	}
	if (pid == 0) {
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
