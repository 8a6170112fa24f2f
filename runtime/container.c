// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * container: see container.h.  Every change to the state happens under its
 * lock, from the first volume taken to the rewritten file, so that the
 * containers of a pod, created in parallel, share one uidmapfs per volume.
 * What only reads (the spec, the sources, the kernel's answer on each) is
 * done before, without it: a source on a store that hangs then holds up
 * its own container only, never every create and delete on the node.
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

/* A mount the kernel cannot ID-map: what its uidmapfs serves. */
struct container_serve {
	const struct spec_idmount *m;
	/* The resolved source, or a file source's directory. */
	char source[PATH_MAX];
	/* A file source's name in @source (a subPath volume of one file),
	 * or "": a directory. */
	char name[NAME_MAX + 1];
};

struct container_plan {
	char *spec_path;
	mode_t mode; /* the spec file's, kept by the rewrite */
	struct spec *spec;
	struct spec_idmount *mounts;
	size_t n_mounts;
	struct container_serve *serve; /* n_serve of them */
	size_t n_serve;
};

/* Look at mount @m: 0 when the kernel can ID-map its source (the runtime
 * does it), 1 with @s filled when uidmapfs must serve it, -errno with a
 * reason in @why.  Touches the source (it may hang on a dead store), never
 * the state. */
static int container_look(const struct spec_idmount *m, const char *bundle,
			  struct container_serve *s, char *why, size_t whylen)
{
	struct stat sb;
	char *slash;
	int ret;

	ret = container_source(bundle, m->source, s->source);
	if (ret) {
		snprintf(why, whylen, "source %s: %s", m->source,
			 strerror(-ret));
		return ret;
	}
	ret = probe_idmap(s->source, m->uidmap, m->gidmap, m->recursive, why,
			  whylen);
	if (ret != 0)
		return ret == 1 ? 0 : ret;
	if (stat(s->source, &sb) < 0) {
		ret = -errno;
		snprintf(why, whylen, "source %s: %s", s->source,
			 strerror(-ret));
		return ret;
	}
	s->m = m;
	s->name[0] = '\0';
	if (S_ISDIR(sb.st_mode))
		return 1;
	/* A file: uidmapfs serves its directory, and the mount binds the
	 * file from there.  realpath() gave an absolute path without a
	 * trailing slash, so the name is never empty. */
	slash = strrchr(s->source, '/');
	snprintf(s->name, sizeof(s->name), "%s", slash + 1);
	if (slash == s->source)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 1;
}

/* Serve @s for container @id and point its mount in @spec there.  Returns
 * 0 or -errno with a reason in @why. */
static int container_serve(const struct container_ctx *x, struct state *st,
			   struct spec *spec, const struct container_serve *s,
			   const char *id, char *why, size_t whylen)
{
	char target[PATH_MAX];
	struct volume v = { 0 };
	int ret;

	ret = state_volume_get(st, s->source, s->m->uidmap, s->m->gidmap, &v,
			       why, whylen);
	if (ret < 0)
		return ret;
	ret = container_attach(x, st, &v, ret, id, why, whylen);
	if (ret)
		goto out_free_volume;
	if (snprintf(target, sizeof(target), "%s%s%s", v.mnt,
		     s->name[0] ? "/" : "", s->name) >= (int)sizeof(target)) {
		ret = -ENAMETOOLONG;
		snprintf(why, whylen, "%s", strerror(-ret));
		goto out_free_volume;
	}
	ret = spec_redirect_mount(spec, s->m->index, target, why, whylen);
out_free_volume:
	volume_free(&v);
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

void container_plan_free(struct container_plan *p)
{
	if (!p)
		return;
	free(p->serve);
	spec_idmounts_free(p->mounts, p->n_mounts);
	spec_free(p->spec);
	free(p->spec_path);
	free(p);
}

int container_plan(const char *bundle, const char *spec_path,
		   struct container_plan **out, char *err, size_t errlen)
{
	char why[CONTAINER_ERR];
	struct container_plan *p;
	size_t len, i;
	char *text;
	int ret;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->spec_path = strdup(spec_path))) {
		ret = -ENOMEM;
		snprintf(err, errlen, "%s", strerror(-ret));
		goto out_free_plan;
	}
	ret = fileio_read(AT_FDCWD, spec_path, 0, CONTAINER_SPEC_MAX, &text,
			  &len, &p->mode);
	if (ret) {
		snprintf(err, errlen, "%s: %s", spec_path, strerror(-ret));
		goto out_free_plan;
	}
	ret = spec_parse(text, len, &p->spec, err, errlen);
	free(text);
	if (!ret)
		ret = spec_idmounts(p->spec, &p->mounts, &p->n_mounts, err,
				    errlen);
	if (!ret && p->n_mounts) {
		p->serve = calloc(p->n_mounts, sizeof(*p->serve));
		if (!p->serve) {
			ret = -ENOMEM;
			snprintf(err, errlen, "%s", strerror(-ret));
		}
	}
	for (i = 0; !ret && i < p->n_mounts; i++) {
		ret = container_look(&p->mounts[i], bundle,
				     &p->serve[p->n_serve], why, sizeof(why));
		if (ret < 0)
			snprintf(err, errlen, "mount %s: %s",
				 p->mounts[i].destination, why);
		else
			p->n_serve += (size_t)ret;
		ret = ret < 0 ? ret : 0;
	}
	if (ret)
		goto out_free_plan;
	*out = p;
	return 0;
out_free_plan:
	container_plan_free(p);
	return ret;
}

/* Serve every mount of @p and rewrite its spec; -errno with a reason. */
static int container_rewrite(const struct container_ctx *x, struct state *st,
			     const char *id, struct container_plan *p,
			     char *err, size_t errlen)
{
	char why[CONTAINER_ERR];
	size_t i, len;
	char *out;
	int ret;

	for (i = 0; i < p->n_serve; i++) {
		ret = container_serve(x, st, p->spec, &p->serve[i], id, why,
				      sizeof(why));
		if (ret) {
			snprintf(err, errlen, "mount %s: %s",
				 p->serve[i].m->destination, why);
			return ret;
		}
	}
	if (p->n_serve == 0)
		return 0;
	out = spec_serialize(p->spec, &len);
	ret = out ? fileio_replace(AT_FDCWD, p->spec_path, out, len, p->mode)
		  : -ENOMEM;
	free(out);
	if (ret)
		snprintf(err, errlen, "cannot rewrite %s: %s", p->spec_path,
			 strerror(-ret));
	return ret;
}

int container_prepare(const struct container_ctx *x, const char *id,
		      struct container_plan *plan, char *err, size_t errlen)
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
	ret = container_rewrite(x, &st, id, plan, err, errlen);
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
