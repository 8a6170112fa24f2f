# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tree.sh: the backing tree the op scripts run against, built by host root
# directly on the backing file system (never through a mount under test).
# Ids are on-disk ids.  With the map 0:524288:65536 the pod sees on-disk
# 0..65535 as the same numbers; everything else is "unmapped":
#   U=70000    an ordinary unmapped id
#   H=524288   the pod's root as seen from the host: on disk it is unmapped
#   2000       mapped (the pod sees 2000), and a host user outside the map
# One directory per op script (ops/NN-NAME.ops works in NAME/), so a script
# reads only the state it set up itself.

U=70000
H=524288

# mk_file PATH MODE UID:GID [CONTENT] — chown before chmod: chown clears
# setuid/setgid.
mk_file() {
	printf '%s' "${4-data}" >"$1"
	chown "$3" "$1"
	chmod "$2" "$1"
}

mk_dir() {
	mkdir "$1"
	chown "$3" "$1"
	chmod "$2" "$1"
}

mk_fifo() {
	mkfifo "$1"
	chown "$3" "$1"
	chmod "$2" "$1"
}

# mk_link TARGET PATH UID:GID
mk_link() {
	ln -s "$1" "$2"
	chown -h "$3" "$2"
}

# The rows of DESIGN.md section 2, each on an object of its own.
tree_table() {
	local d=$1/table
	mk_dir "$d" 0777 0:0
	mk_file "$d/fu" 0644 $U:$U "unmapped"
	mk_file "$d/fu666" 0666 $U:$U "unmapped, mode 666"
	mk_dir "$d/du777" 0777 $U:$U
	mk_dir "$d/d0_777" 0777 0:0
	mk_file "$d/acl" 0644 0:0
	setfacl -m u:$U:r--,g:$U:r-- "$d/acl"
	mk_file "$d/cap_v2" 0755 0:0
	setcap cap_net_raw+ep "$d/cap_v2"
	mk_file "$d/xattrs" 0644 0:0
	setfattr -n user.a -v x "$d/xattrs"
	setfattr -n trusted.t -v y "$d/xattrs"
}

tree_stat() {
	local d=$1/stat
	mk_dir "$d" 0755 0:0
	mk_file "$d/f0" 0644 0:0 "owned by 0"
	mk_file "$d/f1000" 0644 1000:1000 "owned by 1000"
	mk_file "$d/f65535" 0644 65535:65535 "last mapped id"
	mk_file "$d/f65536" 0644 65536:65536 "first unmapped id"
	mk_file "$d/fu" 0644 $U:$U "unmapped"
	mk_file "$d/fh" 0644 $H:$H "host id of pod root"
	mk_file "$d/fmax" 0644 4294967294:4294967294 "largest valid id"
	mk_file "$d/fmix_ug" 0640 1000:$U "uid mapped, gid not"
	mk_file "$d/fmix_gu" 0640 $U:1000 "gid mapped, uid not"
	mk_file "$d/suid0" 4755 0:0 "setuid root"
	mk_file "$d/sgid1000" 2755 1000:1000 "setgid 1000"
	mk_file "$d/suidu" 6755 $U:$U "setuid/gid unmapped"
	mk_dir "$d/d0" 0755 0:0
	mk_dir "$d/d1000" 0750 1000:1000
	mk_dir "$d/du" 0755 $U:$U
	mk_dir "$d/du700" 0700 $U:$U
	mk_file "$d/du700/hidden" 0644 $U:$U
	mk_dir "$d/sticky" 1777 0:0
	mk_link f0 "$d/l0" 0:0
	mk_link f1000 "$d/l1000" 1000:1000
	mk_link fu "$d/lu" $U:$U
	mk_link nowhere "$d/ldangling" 0:0
	mk_fifo "$d/p0" 0644 0:0
	mk_fifo "$d/pu" 0600 $U:$U
	mknod -m 0666 "$d/c0" c 1 3
	mknod -m 0600 "$d/cu" c 1 5
	chown $U:$U "$d/cu"
}

tree_io() {
	local d=$1/io
	mk_dir "$d" 0755 0:0
	mk_file "$d/f0" 0644 0:0 "root data"
	mk_file "$d/f0_666" 0666 0:0 "root data, writable by all"
	mk_file "$d/f1000" 0644 1000:1000 "user data"
	mk_file "$d/f1000_600" 0600 1000:1000 "private user data"
	mk_file "$d/fu" 0644 $U:$U "unmapped data"
	mk_file "$d/fu666" 0666 $U:$U "unmapped data, writable by all"
	mk_file "$d/fu_g1000" 0664 $U:1000 "unmapped owner, group 1000"
	mk_file "$d/f1000_gu" 0660 1000:$U "owner 1000, unmapped group"
	mk_file "$d/f0_g1001" 0660 0:1001 "group 1001 (a supplementary group)"
	mk_dir "$d/du" 0755 $U:$U
	mk_file "$d/du/f" 0644 $U:$U "in an unmapped dir"
}

tree_create() {
	local d=$1/create
	mk_dir "$d" 0755 0:0
	mk_dir "$d/d0_777" 0777 0:0
	mk_dir "$d/d1000" 0755 1000:1000
	mk_dir "$d/du777" 0777 $U:$U
	mk_dir "$d/dgu777" 0777 0:$U
	mk_dir "$d/dsgid" 2777 1000:1000
	mk_dir "$d/dsgid_gu" 2777 1000:$U
	mk_dir "$d/dsgid2000" 2777 0:2000
	mk_dir "$d/dacl" 0777 1000:1000
	setfacl -d -m u:1000:rwx,u:$U:r-x,g:1000:r-x,g:$U:rwx "$d/dacl"
}

tree_chown() {
	local d=$1/chown
	mk_dir "$d" 0755 0:0
	local f
	for f in f0 f0b f0c f0d f0e; do mk_file "$d/$f" 0644 0:0; done
	for f in f1000 f1000b f1000c f1000d; do mk_file "$d/$f" 0644 1000:1000; done
	mk_file "$d/fu" 0644 $U:$U
	mk_file "$d/fu_b" 0644 $U:$U
	mk_file "$d/fmix_ug" 0644 1000:$U
	mk_file "$d/suid1000" 4755 1000:1000
	mk_file "$d/sgid1000" 2755 1000:1000
	mk_file "$d/suid0" 6755 0:0
	mk_file "$d/sgid_nx" 2644 1000:1000
	mk_file "$d/cap" 0755 0:0
	setcap cap_net_raw+ep "$d/cap"
	mk_link f1000 "$d/l1000" 1000:1000
	mk_link fu "$d/lu" $U:$U
	mk_dir "$d/d1000" 0755 1000:1000
}

tree_chmod() {
	local d=$1/chmod
	mk_dir "$d" 0755 0:0
	mk_file "$d/f0" 0644 0:0
	mk_file "$d/f1000" 0644 1000:1000
	mk_file "$d/f1000_g0" 0644 1000:0
	mk_file "$d/f1000_g1001" 0644 1000:1001
	mk_file "$d/f1000_gu" 0644 1000:$U
	mk_file "$d/fu" 0644 $U:$U
	mk_file "$d/fu666" 0666 $U:$U
	mk_dir "$d/d1000" 0755 1000:1000
	mk_link f1000 "$d/l1000" 1000:1000
}

tree_attr() {
	local d=$1/attr
	mk_dir "$d" 0755 0:0
	mk_file "$d/f0" 0644 0:0 "0123456789"
	mk_file "$d/f0_666" 0666 0:0 "0123456789"
	mk_file "$d/f1000" 0644 1000:1000 "0123456789"
	mk_file "$d/f1000_666" 0666 1000:1000 "0123456789"
	mk_file "$d/fu" 0644 $U:$U "0123456789"
	mk_file "$d/fu666" 0666 $U:$U "0123456789"
	mk_file "$d/suid1000" 6775 1000:1000 "0123456789"
	mk_file "$d/suid0_777" 6777 0:0 "0123456789"
	mk_link f1000 "$d/l1000" 1000:1000
}

# Writes by whoever may write: which of them clear setuid/setgid.
tree_write() {
	local d=$1/write
	mk_dir "$d" 0755 0:0
	mk_file "$d/suid1000" 4755 1000:1000 "x"
	mk_file "$d/sgid1000" 2775 1000:1000 "x"
	mk_file "$d/sgid_nx1000" 2664 1000:1000 "x"
	mk_file "$d/suid0_777" 6777 0:0 "x"
	mk_file "$d/suid0_777b" 6777 0:0 "x"
	mk_file "$d/suidu_777" 6777 $U:$U "x"
	mk_file "$d/cap1000" 0777 1000:1000 "x"
	setcap cap_net_raw+ep "$d/cap1000"
	mk_file "$d/cap0" 0777 0:0 "x"
	setcap cap_net_raw+ep "$d/cap0"
}

# Privilege killing (ops/42..44-kill-*): what write, append, truncate,
# open O_TRUNC and chown clear.  Each actor (p0, p1000, h0, h2000) gets
# files of its own, since a bit is cleared once.  Group 2000 is none of
# the actors' groups; pod 1000 is in group 1000.
tree_kill() {
	local d=$1/kill a f
	mk_dir "$d" 0755 0:0
	for a in p0 p1000 h0 h2000; do
		for f in w6777 a6777 t6777 o6777 r6777 n6777 c6777 x6777; do
			mk_file "$d/$a.$f" 6777 0:0 "xyz"
		done
		mk_file "$d/$a.w6777k" 6777 1000:1000 "xyz"
		for f in w2676 t2676 c2676 x2676; do
			mk_file "$d/$a.$f" 2676 0:2000 "xyz"
		done
		mk_file "$d/$a.w2666" 2666 0:2000 "xyz"
		mk_file "$d/$a.x2666" 2666 0:2000 "xyz"
		mk_file "$d/$a.w2666g" 2666 0:1000 "xyz"
		for f in wcap acap tcap ocap ncap ccap xcap; do
			mk_file "$d/$a.$f" 0777 0:0 "xyz"
			setcap cap_net_raw+ep "$d/$a.$f"
		done
		mk_file "$d/$a.wcapk" 0777 1000:1000 "xyz"
		setcap cap_net_raw+ep "$d/$a.wcapk"
		# Set-id bits and a capability that arrive after the kernel
		# has seen writes find nothing to clear (S_NOSEC).
		mk_file "$d/$a.late" 0777 1000:1000 "xyz"
		mk_file "$d/$a.latecap" 0777 0:0 "xyz"
	done
}

# A directory to fill and list (ops/90-readdir-pod0): listings longer
# than one READDIRPLUS reply.
tree_readdir() {
	mk_dir "$1/readdir" 0755 0:0
}

tree_sticky() {
	local d=$1/sticky s
	mk_dir "$d" 0755 0:0
	for s in s0:0:0 s1000:1000:1000 su:$U:$U; do
		local name=${s%%:*} owner=${s#*:}
		mk_dir "$d/$name" 1777 "$owner"
		mk_file "$d/$name/f0" 0666 0:0
		mk_file "$d/$name/f1000" 0666 1000:1000
		mk_file "$d/$name/f1001" 0666 1001:1001
		mk_file "$d/$name/fu" 0666 $U:$U
		mk_file "$d/$name/fu_b" 0666 $U:$U
		mk_file "$d/$name/f2000" 0666 2000:2000
		mk_dir "$d/$name/d1001" 0777 1001:1001
	done
}

tree_rename() {
	local d=$1/rename
	mk_dir "$d" 0777 0:0
	mk_file "$d/f0" 0644 0:0 "f0"
	mk_file "$d/f1000" 0644 1000:1000 "f1000"
	mk_file "$d/f1000b" 0644 1000:1000 "f1000b"
	mk_file "$d/f1000c" 0644 1000:1000 "f1000c"
	mk_file "$d/fu" 0644 $U:$U "fu"
	mk_file "$d/fu2" 0666 $U:$U "fu2"
	mk_file "$d/fu3" 0666 $U:$U "fu3"
	mk_dir "$d/d1000" 0755 1000:1000
	mk_dir "$d/du" 0777 $U:$U
	mk_file "$d/du/inner" 0644 $U:$U "inner"
	mk_dir "$d/sub" 0777 0:0
}

tree_link() {
	local d=$1/link
	mk_dir "$d" 0777 0:0
	mk_file "$d/f0" 0644 0:0
	mk_file "$d/f1000" 0644 1000:1000
	mk_file "$d/f1000_600" 0600 1000:1000
	mk_file "$d/fu" 0644 $U:$U
	mk_file "$d/fu666" 0666 $U:$U
	mk_fifo "$d/pu" 0666 $U:$U
	mk_link fu "$d/lu" $U:$U
}

tree_xattr() {
	local d=$1/xattr
	mk_dir "$d" 0755 0:0
	mk_file "$d/f0" 0644 0:0
	mk_file "$d/f0_666" 0666 0:0
	mk_file "$d/f1000" 0644 1000:1000
	mk_file "$d/fu" 0644 $U:$U
	mk_file "$d/fu666" 0666 $U:$U
	mk_dir "$d/d1000" 0755 1000:1000
	mk_link f0 "$d/l0" 0:0
	local f
	for f in f0 f0_666 f1000 fu fu666 d1000; do
		setfattr -n user.a -v hello "$d/$f"
		setfattr -n user.empty "$d/$f"
		setfattr -n trusted.t -v secret "$d/$f"
	done
	setfattr -h -n trusted.t -v link "$d/l0"
}

tree_acl() {
	local d=$1/acl
	mk_dir "$d" 0755 0:0
	mk_file "$d/a1000" 0640 1000:1000
	setfacl -m u:1000:rw-,u:2000:r--,u:$U:r--,u:$H:rw-,g:1000:r--,g:$U:rw- "$d/a1000"
	mk_file "$d/au" 0644 $U:$U
	setfacl -m u:1000:rw- "$d/au"
	# 43 entries, 348 bytes: more than uidmapfs's first read (256).
	mk_file "$d/big" 0644 0:0
	setfacl -m "$(printf 'u:%d:r--,' $(seq 100 139))g:1000:r--" "$d/big"
	mk_file "$d/plain0" 0644 0:0
	mk_file "$d/plain1000" 0644 1000:1000
	mk_file "$d/plain1000b" 0644 1000:1000
	mk_file "$d/plainu" 0666 $U:$U
	mk_file "$d/grant1001" 0600 0:0
	setfacl -m u:1001:rw-,g:1000:r-- "$d/grant1001"
	mk_file "$d/grantu" 0600 0:0
	setfacl -m u:$U:rw- "$d/grantu"
	mk_dir "$d/dflt" 0777 1000:1000
	setfacl -d -m u:1000:rwx,u:$U:r-x,g:1000:r-x,g:$U:rwx "$d/dflt"
	mk_dir "$d/dplain" 0777 1000:1000
}

# Capabilities: v2 as host root writes them, v3 with several root ids, one
# of them really written from inside a user namespace (the pod's root is
# host 524288 there, with no idmapped mount in between).
tree_caps() {
	local d=$1/caps
	mk_dir "$d" 0755 0:0
	mk_file "$d/v2" 0755 0:0
	setcap cap_net_raw+ep "$d/v2"
	mk_file "$d/v2_1000" 0755 1000:1000
	setcap cap_net_raw+ep "$d/v2_1000"
	mk_file "$d/v3_ns" 0755 $H:$H
	"$POD" --map "$MAP" -- setcap cap_net_raw+ep "$d/v3_ns" ||
		fail "setcap from a user namespace failed"
	mk_file "$d/v3_r0" 0755 0:0
	setfattr -n security.capability -v 0x010000030020000000000000000000000000000000000000 "$d/v3_r0"
	mk_file "$d/v3_r1000" 0755 0:0
	setfattr -n security.capability -v 0x0100000300200000000000000000000000000000e8030000 "$d/v3_r1000"
	mk_file "$d/v3_ru" 0755 0:0
	setfattr -n security.capability -v 0x010000030020000000000000000000000000000070110100 "$d/v3_ru"
	local f
	for f in plain0 plain0b plain0c plain0d; do mk_file "$d/$f" 0755 0:0; done
	mk_file "$d/plain1000" 0755 1000:1000
	mk_file "$d/plainu" 0777 $U:$U
}

tree_host() {
	local d=$1/host
	mk_dir "$d" 0777 0:0
	mk_file "$d/f0" 0644 0:0 "pod root's"
	mk_file "$d/f0_666" 0666 0:0 "pod root's, writable by all"
	mk_file "$d/f1000" 0644 1000:1000 "pod user's"
	mk_file "$d/fu" 0644 $U:$U "unmapped"
	mk_file "$d/fu666" 0666 $U:$U "unmapped, writable by all"
	mk_dir "$d/d0_777" 0777 0:0
	mk_dir "$d/d1000" 0755 1000:1000
	mk_dir "$d/sticky" 1777 0:0
	mk_file "$d/sticky/f1000" 0666 1000:1000
}

# build_tree DIR: the whole tree, owned 0:0 at the top.
build_tree() {
	local root=$1
	chown 0:0 "$root"
	chmod 0755 "$root"
	tree_table "$root"
	tree_stat "$root"
	tree_io "$root"
	tree_create "$root"
	tree_chown "$root"
	tree_chmod "$root"
	tree_attr "$root"
	tree_write "$root"
	tree_kill "$root"
	tree_readdir "$root"
	tree_sticky "$root"
	tree_rename "$root"
	tree_link "$root"
	tree_xattr "$root"
	tree_acl "$root"
	tree_caps "$root"
	tree_host "$root"
}
