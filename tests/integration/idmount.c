// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * idmount: the kernel oracle.  Makes an ID-mapped bind mount of SRC at DST,
 * the kernel's own answer to what uidmapfs does in shift mode.
 *
 *   idmount [--map M] [--uidmap M] [--gidmap M] [--recursive] SRC DST
 *
 * M as for pod (default 0:524288:65536): an on-disk id "inside" is shown
 * as "outside".  Steps (Documentation/filesystems/idmappings.rst):
 * open_tree(OPEN_TREE_CLONE) detaches a copy of the mount at SRC,
 * mount_setattr(MOUNT_ATTR_IDMAP) attaches a user namespace holding the map
 * to it, move_mount() puts it at DST.  The user namespace belongs to a
 * short-lived child; the mount keeps the namespace alive.
 *
 * Raw syscall(): glibc 2.36 has wrappers only in a <sys/mount.h> that
 * clashes with <linux/mount.h>, which defines struct mount_attr.
 * Exit status 0, or 1 with one line on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "userns.h"

#define IDMOUNT_DEFAULT_MAP "0:524288:65536"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: idmount [--map M] [--uidmap M] [--gidmap M] "
		"[--recursive] SRC DST\n"
		"  M = inside:outside:count[:...], default " IDMOUNT_DEFAULT_MAP
		"\n");
}

/* A user namespace fd with the given maps, or -1 after printing why. */
static int userns_fd_with_maps(const struct userns_map *uidmap,
			       const struct userns_map *gidmap)
{
	struct userns_child child;
	char path[64];
	int ret, fd = -1;

	ret = userns_child_start(&child);
	if (ret == 1)
		_exit(0); /* the child: its namespace is all we wanted */
	if (ret < 0) {
		fprintf(stderr, "idmount: cannot create a user namespace: %s\n",
			strerror(-ret));
		return -1;
	}
	ret = userns_child_write_maps(&child, uidmap, gidmap);
	if (ret < 0) {
		fprintf(stderr, "idmount: cannot write the id maps: %s\n",
			strerror(-ret));
		goto out_reap;
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child.pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "idmount: open %s: %s\n", path,
			strerror(errno));
out_reap:
	userns_child_release(&child, fd >= 0);
	waitpid(child.pid, NULL, 0);
	return fd;
}

static int idmap_bind(const char *src, const char *dst, int userns_fd,
		      int recursive)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (__u64)userns_fd,
	};
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	int tree, ret = 1;

	if (recursive)
		flags |= AT_RECURSIVE;
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, src, flags);
	if (tree < 0) {
		fprintf(stderr, "idmount: open_tree %s: %s\n", src,
			strerror(errno));
		return 1;
	}
	if (syscall(SYS_mount_setattr, tree, "",
		    AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) < 0) {
		fprintf(stderr,
			"idmount: mount_setattr(MOUNT_ATTR_IDMAP) on %s: "
			"%s (filesystem without idmapped mounts?)\n",
			src, strerror(errno));
		goto out_close_tree;
	}
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst,
		    MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		fprintf(stderr, "idmount: move_mount to %s: %s\n", dst,
			strerror(errno));
		goto out_close_tree;
	}
	ret = 0;
out_close_tree:
	close(tree);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "uidmap", required_argument, NULL, 'U' },
		{ "gidmap", required_argument, NULL, 'G' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct userns_map uidmap, gidmap;
	int c, bad = 0, recursive = 0, nsfd, ret;

	userns_map_parse(&uidmap, IDMOUNT_DEFAULT_MAP);
	userns_map_parse(&gidmap, IDMOUNT_DEFAULT_MAP);
	while ((c = getopt_long(argc, argv, "rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			bad = userns_map_parse(&uidmap, optarg) < 0 ||
			      userns_map_parse(&gidmap, optarg) < 0;
			break;
		case 'U':
			bad = userns_map_parse(&uidmap, optarg) < 0;
			break;
		case 'G':
			bad = userns_map_parse(&gidmap, optarg) < 0;
			break;
		case 'r':
			recursive = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
		if (bad) {
			fprintf(stderr, "idmount: malformed map: %s\n", optarg);
			return 1;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 1;
	}
	nsfd = userns_fd_with_maps(&uidmap, &gidmap);
	if (nsfd < 0)
		return 1;
	ret = idmap_bind(argv[optind], argv[optind + 1], nsfd, recursive);
	close(nsfd);
	return ret;
}
