/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe: can the kernel ID-map this mount source?  Asked of the kernel, not
 * guessed from a filesystem name: a detached copy of the source's mount
 * (open_tree(OPEN_TREE_CLONE)) is given MOUNT_ATTR_IDMAP with a user
 * namespace holding the mount's own map, exactly what runc and crun will
 * do, and thrown away.
 */
#ifndef UIDMAPFS_RUNTIME_PROBE_H
#define UIDMAPFS_RUNTIME_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * 1: the kernel can ID-map @source (leave the mount to the runtime);
 * 0: it refuses (EINVAL: the filesystem has no ID-mapping support);
 * -errno with a reason in @err: the source cannot be used at all, or the
 * probe itself failed.  @uidmap and @gidmap are in uidmapfs syntax;
 * @recursive probes the submounts too (rbind).
 */
int probe_idmap(const char *source, const char *uidmap, const char *gidmap,
		bool recursive, char *err, size_t errlen);

/*
 * Turn a map in uidmapfs syntax ("0:524288:65536[:...]") into the text of
 * /proc/PID/uid_map ("0 524288 65536\n..."), in @buf.  Returns the length,
 * or -EINVAL (not a multiple of three fields) / -ENAMETOOLONG.
 */
int probe_proc_map(const char *map, char *buf, size_t len);

#endif
