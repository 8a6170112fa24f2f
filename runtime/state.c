// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * state: see state.h.  Files are reached with *at() calls from the state
 * directory's fd; every file that must not be seen half-written (info,
 * containers/ID) is written to a temporary name and renamed.
 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define STATE_DIR_MODE 0711
/* Different (source, map) tuples whose hashes collide get the next salt. */
#define STATE_MAX_SALT 16
#define STATE_INFO_MAX 16384
/* Names below the state directory: a 1024-byte container id and a prefix. */
#define PATH_MAX_STATE 1200

static int state_mkdirat(int dirfd, const char *name, mode_t mode)
{
	if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int state_lock(struct state *st, const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int ret;

	*st = (struct state){ .dir_fd = -1, .lock_fd = -1 };
	if (mkdir(path, STATE_DIR_MODE) < 0 && errno != EEXIST) {
		ret = -errno;
		goto out_fail;
	}
	st->dir_fd =
		open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (st->dir_fd < 0) {
		ret = -errno;
		goto out_fail;
	}
	/* What is in it decides what gets unmounted and signalled: it must
	 * be ours and nobody else's to write. */
	if (fstat(st->dir_fd, &sb) < 0) {
		ret = -errno;
		goto out_fail;
	}
	if (sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		snprintf(
			err, errlen,
			"state directory %s: owned by %u with mode %o, want ours and not writable by others",
			path, (unsigned int)sb.st_uid,
			(unsigned int)(sb.st_mode & 07777));
		state_unlock(st);
		return -EPERM;
	}
	st->lock_fd = openat(st->dir_fd, "lock",
			     O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX) < 0) {
		ret = -errno;
		goto out_fail;
	}
	ret = state_mkdirat(st->dir_fd, "volumes", STATE_DIR_MODE);
	if (!ret)
		ret = state_mkdirat(st->dir_fd, "containers", 0700);
	if (ret)
		goto out_fail;
	st->path = strdup(path);
	if (!st->path) {
		ret = -ENOMEM;
		goto out_fail;
	}
	return 0;

out_fail:
	snprintf(err, errlen, "state directory %s: %s", path, strerror(-ret));
	state_unlock(st);
	return ret;
}

void state_unlock(struct state *st)
{
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	if (st->dir_fd >= 0)
		close(st->dir_fd);
	free(st->path);
	*st = (struct state){ .dir_fd = -1, .lock_fd = -1 };
}

void volume_free(struct volume *v)
{
	free(v->source);
	free(v->uidmap);
	free(v->gidmap);
	free(v->mnt);
	*v = (struct volume){ 0 };
}

/* FNV-1a, 64 bits, over the three strings with their NULs and a salt. */
static uint64_t state_hash(const char *source, const char *uidmap,
			   const char *gidmap, unsigned int salt)
{
	const char *parts[] = { source, uidmap, gidmap };
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ salt;
	size_t i;

	for (i = 0; i < 3; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		do {
			h ^= *p;
			h *= UINT64_C(0x100000001b3);
		} while (*p++);
	}
	return h;
}

static int state_read(struct state *st, const char *name, char **out)
{
	size_t len;

	return fileio_read(st->dir_fd, name, O_NOFOLLOW, STATE_INFO_MAX, out,
			   &len, NULL);
}

static int state_write(struct state *st, const char *name, const char *data,
		       size_t len)
{
	return fileio_replace(st->dir_fd, name, data, len, 0600);
}

/* The value of "name=" in the info text @info, as a malloc'd string. */
static char *state_field(const char *info, const char *name)
{
	size_t n = strlen(name);
	const char *p = info;

	while (p && *p) {
		const char *nl = strchr(p, '\n');

		if (strncmp(p, name, n) == 0 && p[n] == '=') {
			size_t len = nl ? (size_t)(nl - p - n - 1)
					: strlen(p + n + 1);
			char *s = malloc(len + 1);

			if (s) {
				memcpy(s, p + n + 1, len);
				s[len] = '\0';
			}
			return s;
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

int state_volume_load(struct state *st, const char *key, struct volume *v)
{
	char name[64], *info, *pid, *start, *unit;
	int ret = 0;

	snprintf(name, sizeof(name), "volumes/%s/info", key);
	ret = state_read(st, name, &info);
	if (ret)
		return ret;
	volume_free(v);
	snprintf(v->key, sizeof(v->key), "%s", key);
	v->source = state_field(info, "source");
	v->uidmap = state_field(info, "uidmap");
	v->gidmap = state_field(info, "gidmap");
	/* The mount point is never read back: an edited info file must not
	 * choose what gets unmounted. */
	if (asprintf(&v->mnt, "%s/volumes/%s/gate/mnt", st->path, key) < 0)
		v->mnt = NULL;
	pid = state_field(info, "pid");
	start = state_field(info, "start");
	unit = state_field(info, "unit");
	if (!v->source || !v->uidmap || !v->gidmap || !v->mnt || !pid ||
	    !start || !unit) {
		ret = -EBADMSG;
	} else {
		v->pid = (pid_t)strtol(pid, NULL, 10);
		v->start_time = strtoull(start, NULL, 10);
		snprintf(v->unit, sizeof(v->unit), "%s", unit);
		/* Never signal init or a process group. */
		if (v->pid <= 1)
			v->pid = 0;
	}
	free(pid);
	free(start);
	free(unit);
	free(info);
	return ret;
}

static bool state_same(const struct volume *v, const char *source,
		       const char *uidmap, const char *gidmap)
{
	return strcmp(v->source, source) == 0 &&
	       strcmp(v->uidmap, uidmap) == 0 && strcmp(v->gidmap, gidmap) == 0;
}

static int state_volume_new(struct state *st, const char *key,
			    const char *source, const char *uidmap,
			    const char *gidmap, struct volume *v)
{
	*v = (struct volume){ 0 };
	snprintf(v->key, sizeof(v->key), "%s", key);
	v->source = strdup(source);
	v->uidmap = strdup(uidmap);
	v->gidmap = strdup(gidmap);
	if (asprintf(&v->mnt, "%s/volumes/%s/gate/mnt", st->path, key) < 0)
		v->mnt = NULL;
	if (!v->source || !v->uidmap || !v->gidmap || !v->mnt) {
		volume_free(v);
		return -ENOMEM;
	}
	return 0;
}

int state_volume_get(struct state *st, const char *source, const char *uidmap,
		     const char *gidmap, struct volume *v, char *err,
		     size_t errlen)
{
	char key[STATE_KEY_LEN + 1];
	unsigned int salt;
	int ret;

	if (strchr(source, '\n') || strchr(uidmap, '\n') ||
	    strchr(gidmap, '\n')) {
		snprintf(err, errlen, "a newline in the source path");
		return -EINVAL;
	}
	*v = (struct volume){ 0 };
	for (salt = 0; salt < STATE_MAX_SALT; salt++) {
		snprintf(key, sizeof(key), "%016" PRIx64,
			 state_hash(source, uidmap, gidmap, salt));
		ret = state_volume_load(st, key, v);
		if (ret == -ENOENT)
			break;
		if (ret == -EBADMSG) {
			/* A volume whose start was interrupted before its
			 * info was written: it is ours to start again. */
			volume_free(v);
			break;
		}
		if (ret < 0) {
			snprintf(err, errlen, "state of volume %s: %s", key,
				 strerror(-ret));
			return ret;
		}
		if (state_same(v, source, uidmap, gidmap))
			return 1;
		volume_free(v);
	}
	if (salt == STATE_MAX_SALT) {
		snprintf(err, errlen, "no free volume key for %s", source);
		return -EEXIST;
	}
	ret = state_volume_new(st, key, source, uidmap, gidmap, v);
	if (ret)
		snprintf(err, errlen, "%s", strerror(-ret));
	return ret;
}

/* The host id of id 0 in @map (uidmapfs syntax), or -1 if 0 is unmapped. */
static long long state_host_root(const char *map)
{
	unsigned long long f[3];
	const char *p = map;
	char *end;
	int i;

	while (*p) {
		for (i = 0; i < 3; i++) {
			f[i] = strtoull(p, &end, 10);
			if (end == p)
				return -1;
			p = *end == ':' ? end + 1 : end;
		}
		if (f[0] == 0 && f[2] > 0)
			return (long long)f[1];
	}
	return -1;
}

/*
 * volumes/KEY/gate, the mount point's parent, is the container root's own
 * (its host ids, mode 0700): the runtime binds the mount from there as that
 * user, and no other host user reaches the volume through it.  The state
 * files beside it stay root's.  A map without id 0 keeps the gate root's
 * with mode 0711.
 */
static int state_volume_gate(struct state *st, const struct volume *v,
			     const char *name)
{
	long long uid = state_host_root(v->uidmap);
	long long gid = state_host_root(v->gidmap);
	int ret;

	ret = state_mkdirat(st->dir_fd, name, 0700);
	if (ret)
		return ret;
	if (uid < 0 || gid < 0)
		return fchmodat(st->dir_fd, name, STATE_DIR_MODE, 0) < 0
			       ? -errno
			       : 0;
	if (fchownat(st->dir_fd, name, (uid_t)uid, (gid_t)gid,
		     AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(st->dir_fd, name, 0700, 0) < 0)
		return -errno;
	return 0;
}

int state_volume_prepare(struct state *st, const struct volume *v)
{
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "volumes/%s", v->key);
	ret = state_mkdirat(st->dir_fd, name, STATE_DIR_MODE);
	snprintf(name, sizeof(name), "volumes/%s/gate", v->key);
	if (!ret)
		ret = state_volume_gate(st, v, name);
	snprintf(name, sizeof(name), "volumes/%s/gate/mnt", v->key);
	if (!ret)
		ret = state_mkdirat(st->dir_fd, name, 0755);
	snprintf(name, sizeof(name), "volumes/%s/users", v->key);
	if (!ret)
		ret = state_mkdirat(st->dir_fd, name, 0700);
	return ret;
}

int state_volume_save(struct state *st, const struct volume *v)
{
	char name[64], *info;
	int len, ret;

	len = asprintf(&info,
		       "source=%s\nuidmap=%s\ngidmap=%s\npid=%ld\n"
		       "start=%llu\nunit=%s\n",
		       v->source, v->uidmap, v->gidmap, (long)v->pid,
		       v->start_time, v->unit);
	if (len < 0)
		return -ENOMEM;
	snprintf(name, sizeof(name), "volumes/%s/info", v->key);
	ret = state_write(st, name, info, (size_t)len);
	free(info);
	return ret;
}

int state_volume_log(const struct state *st, const struct volume *v, char *buf,
		     size_t len)
{
	if (snprintf(buf, len, "%s/volumes/%s/log", st->path, v->key) >=
	    (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* Open directory @name below the state directory for reading. */
static int state_opendir(struct state *st, const char *name, DIR **out)
{
	int fd, ret;

	fd = openat(st->dir_fd, name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	*out = fdopendir(fd);
	if (!*out) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return 0;
}

/* Remove every entry of directory @name (files only) and @name itself. */
static int state_rmtree(struct state *st, const char *name)
{
	struct dirent *e;
	DIR *d;
	int ret;

	ret = state_opendir(st, name, &d);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno == EISDIR)
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
	if (unlinkat(st->dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		ret = -errno;
	return ret;
}

int state_volume_remove(struct state *st, const struct volume *v)
{
	static const char *const subdirs[] = { "users", "gate" };
	char name[64];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(name, sizeof(name), "volumes/%s/%s", v->key,
			 subdirs[i]);
		ret = state_rmtree(st, name);
		if (ret)
			return ret;
	}
	snprintf(name, sizeof(name), "volumes/%s", v->key);
	return state_rmtree(st, name);
}

int state_volume_add_user(struct state *st, const char *key, const char *id)
{
	char name[PATH_MAX_STATE];
	int fd;

	if (snprintf(name, sizeof(name), "volumes/%s/users/%s", key, id) >=
	    (int)sizeof(name))
		return -ENAMETOOLONG;
	fd = openat(st->dir_fd, name,
		    O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

int state_volume_drop_user(struct state *st, const char *key, const char *id)
{
	char name[PATH_MAX_STATE];

	if (snprintf(name, sizeof(name), "volumes/%s/users/%s", key, id) >=
	    (int)sizeof(name))
		return -ENAMETOOLONG;
	if (unlinkat(st->dir_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int state_volume_users(struct state *st, const char *key)
{
	char name[64];
	struct dirent *e;
	DIR *d;
	int n = 0, ret;

	snprintf(name, sizeof(name), "volumes/%s/users", key);
	ret = state_opendir(st, name, &d);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

int state_container_keys(struct state *st, const char *id,
			 char (**keys)[STATE_KEY_LEN + 1], size_t *n)
{
	char name[PATH_MAX_STATE], *text, *p;
	size_t cap = 0;
	int ret;

	*keys = NULL;
	*n = 0;
	if (snprintf(name, sizeof(name), "containers/%s", id) >=
	    (int)sizeof(name))
		return -ENAMETOOLONG;
	ret = state_read(st, name, &text);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == STATE_KEY_LEN) {
			if (*n == cap) {
				char(*grown)[STATE_KEY_LEN + 1];

				cap = cap ? 2 * cap : 4;
				grown = realloc(*keys, cap * sizeof(**keys));
				if (!grown) {
					ret = -ENOMEM;
					break;
				}
				*keys = grown;
			}
			memcpy((*keys)[*n], p, STATE_KEY_LEN);
			(*keys)[(*n)++][STATE_KEY_LEN] = '\0';
		}
		p = nl ? nl + 1 : p + len;
	}
	free(text);
	if (ret) {
		free(*keys);
		*keys = NULL;
		*n = 0;
	}
	return ret;
}

int state_container_add(struct state *st, const char *id, const char *key)
{
	char name[PATH_MAX_STATE], (*keys)[STATE_KEY_LEN + 1];
	char *text;
	size_t n, i;
	int ret;

	ret = state_container_keys(st, id, &keys, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		if (strcmp(keys[i], key) == 0)
			goto out_free;
	text = malloc((n + 1) * (STATE_KEY_LEN + 1) + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out_free;
	}
	text[0] = '\0';
	for (i = 0; i < n; i++) {
		strcat(text, keys[i]);
		strcat(text, "\n");
	}
	strcat(text, key);
	strcat(text, "\n");
	snprintf(name, sizeof(name), "containers/%s", id);
	ret = state_write(st, name, text, strlen(text));
	free(text);
out_free:
	free(keys);
	return ret;
}

int state_container_remove(struct state *st, const char *id)
{
	char name[PATH_MAX_STATE];

	if (snprintf(name, sizeof(name), "containers/%s", id) >=
	    (int)sizeof(name))
		return -ENAMETOOLONG;
	if (unlinkat(st->dir_fd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}
