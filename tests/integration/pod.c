// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pod: run a command the way a Kubernetes "hostUsers: false" pod runs it,
 * in a new user namespace (and nothing else new: the command sees the
 * host's mounts) under a given uid/gid/supplementary groups.
 *
 *   pod [--map M] [--uidmap M] [--gidmap M] [--uid U] [--gid G]
 *       [--groups G1,G2...] [--cwd DIR] -- CMD [ARGS...]
 *
 * M is "inside:outside:count[:inside:outside:count...]", default
 * 0:524288:65536; --map sets both maps.  Ids are ids inside the namespace,
 * default 0; without --groups the supplementary group list is empty.  The
 * helper must run as root: it writes the child's maps itself.  Its exit
 * status is the command's (128 + signal if the command was killed); 125
 * means pod itself failed, 127 that CMD could not be executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "userns.h"

#define POD_DEFAULT_MAP "0:524288:65536"
#define POD_MAX_GROUPS 64
#define POD_EXIT_FAILURE 125
#define POD_EXIT_NOEXEC 127

struct pod_opts {
	struct userns_map uidmap;
	struct userns_map gidmap;
	uid_t uid;
	gid_t gid;
	gid_t groups[POD_MAX_GROUPS];
	size_t nr_groups;
	const char *cwd;
	char **argv;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pod [--map M] [--uidmap M] [--gidmap M] [--uid U] [--gid G]\n"
		"           [--groups G1,G2...] [--cwd DIR] -- CMD [ARGS...]\n"
		"  M = inside:outside:count[:...], default " POD_DEFAULT_MAP
		"\n");
}

static int parse_id(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > UINT32_MAX - 1)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_groups(struct pod_opts *o, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	o->nr_groups = 0;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->nr_groups == POD_MAX_GROUPS ||
		    parse_id(tok, &o->groups[o->nr_groups]) < 0) {
			ret = -EINVAL;
			break;
		}
		o->nr_groups++;
	}
	free(copy);
	return ret;
}

/* Returns 0, or 1 after printing what was wrong. */
static int parse_args(struct pod_opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "uidmap", required_argument, NULL, 'U' },
		{ "gidmap", required_argument, NULL, 'G' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "groups", required_argument, NULL, 's' },
		{ "cwd", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	userns_map_parse(&o->uidmap, POD_DEFAULT_MAP);
	userns_map_parse(&o->gidmap, POD_DEFAULT_MAP);
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			bad = userns_map_parse(&o->uidmap, optarg) < 0 ||
			      userns_map_parse(&o->gidmap, optarg) < 0;
			break;
		case 'U':
			bad = userns_map_parse(&o->uidmap, optarg) < 0;
			break;
		case 'G':
			bad = userns_map_parse(&o->gidmap, optarg) < 0;
			break;
		case 'u':
			bad = parse_id(optarg, &o->uid) < 0;
			break;
		case 'g':
			bad = parse_id(optarg, &o->gid) < 0;
			break;
		case 's':
			bad = parse_groups(o, optarg) < 0;
			break;
		case 'C':
			o->cwd = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
		if (bad) {
			fprintf(stderr, "pod: bad option value: %s\n", optarg);
			return 1;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 1;
	}
	o->argv = argv + optind;
	return 0;
}

/* In the child, inside the namespace: become the pod user and run CMD. */
static void become_and_exec(const struct pod_opts *o)
{
	if (setgroups(o->nr_groups, o->groups) < 0) {
		fprintf(stderr, "pod: setgroups: %s\n", strerror(errno));
		_exit(POD_EXIT_FAILURE);
	}
	if (setresgid(o->gid, o->gid, o->gid) < 0 ||
	    setresuid(o->uid, o->uid, o->uid) < 0) {
		fprintf(stderr, "pod: cannot become uid %u gid %u: %s\n",
			o->uid, o->gid, strerror(errno));
		_exit(POD_EXIT_FAILURE);
	}
	/* After switching, so the pod user's own permissions apply. */
	if (o->cwd && chdir(o->cwd) < 0) {
		fprintf(stderr, "pod: chdir %s: %s\n", o->cwd, strerror(errno));
		_exit(POD_EXIT_FAILURE);
	}
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "pod: cannot execute %s: %s\n", o->argv[0],
		strerror(errno));
	_exit(POD_EXIT_NOEXEC);
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return POD_EXIT_FAILURE;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	static struct pod_opts o;
	struct userns_child child;
	int ret;

	if (parse_args(&o, argc, argv))
		return POD_EXIT_FAILURE;
	fflush(stdout);
	ret = userns_child_start(&child);
	if (ret == 1)
		become_and_exec(&o);
	if (ret < 0) {
		fprintf(stderr, "pod: cannot create a user namespace: %s\n",
			strerror(-ret));
		return POD_EXIT_FAILURE;
	}
	ret = userns_child_write_maps(&child, &o.uidmap, &o.gidmap);
	if (ret < 0) {
		fprintf(stderr,
			"pod: cannot write the id maps (root needed, "
			"kernel rules for uid_map apply): %s\n",
			strerror(-ret));
		userns_child_release(&child, 0);
		wait_status(child.pid);
		return POD_EXIT_FAILURE;
	}
	userns_child_release(&child, 1);
	return wait_status(child.pid);
}
