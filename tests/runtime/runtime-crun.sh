#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# runtime-crun: uidmapfs-runtime in front of a real crun (Debian's 1.8), on
# config.json files shaped like containerd 2.x's for a hostUsers: false
# pod: the pod's map 0 524288 65536 in linux.uidMappings and on the
# volume's bind mount (OCI 1.1 mount uidMappings).
#
#   1. control: plain crun on a FUSE volume (bindfs) fails with the
#      runtime's ID-mapping error, as the pod does on Kubernetes;
#   2. the wrapper, `run`: the pod sees 0 and 1000 as on disk, a new file
#      lands as 0:0, user 1000 reads its 0600 file; afterwards no daemon,
#      mount or state is left;
#   3. create / start / delete as containerd calls them, with --log in
#      JSON; a second delete and the delete of an unknown id change nothing;
#   4. a root-squashing store (tests/security/rootsquash, NFS root_squash):
#      pod user 1000 reads its 0600 file, pod root is squashed;
#   5. ten containers created at once on one volume share one daemon, see
#      the same files, and all of it goes with the last delete;
#   6. a tmpfs volume (the kernel can ID-map it) is left to crun: the spec
#      is not touched and no daemon starts;
#   7. failures: a create crun refuses after the volume was mounted, a
#      malformed spec, a bad map, a missing source: one line naming the
#      mount, exit 1, nothing left mounted, crun not run on a bad spec.
#
# Shown to fail: with container_release() made a no-op, step 2 fails on
# "daemons left"; with the probe answering "the kernel can" for every
# source, step 2 fails with crun's mount_setattr error; with the spec
# rewrite skipped, step 2 sees 65534.
set -euo pipefail
PROG=runtime-crun
# shellcheck source=rtlib.sh
. "$(dirname "$0")/rtlib.sh"
rt_enter_namespace "$@"
rt_setup
require_helpers ROOTSQUASH
W=$WORKDIR

populate "$W/src"
mkdir -p "$W/fuse"
MOUNTS+=("$W/fuse")
bindfs "$W/src" "$W/fuse" || fail "bindfs could not mount"

LIST='id; ls -ln /vol; touch /vol/new-$(hostname); cat /vol/private 2>&1'

# 1. Without the wrapper the kernel refuses to ID-map the FUSE volume.
write_bundle "$W/b-plain" "$W/fuse" 0:0 "$LIST"
if plain_crun run --bundle "$W/b-plain" plain >"$W/plain.out" 2>"$W/plain.err"; then
	fail "control: plain crun ran a container with an ID-mapped FUSE volume"
fi
grep -q 'mount_setattr.*Invalid argument' "$W/plain.err" ||
	fail "control: crun failed, but not with its ID-mapping error: $(cat "$W/plain.err")"
note "ok: control: plain crun fails: $(grep -o 'mount_setattr.*' "$W/plain.err" | head -n 1)"

# 2. With the wrapper, `run` in the foreground, as pod root and user 1000.
expect_view() { # NAME OUTFILE
	local out=$2
	grep -qx 'uid=0 gid=0.*' "$out" || grep -q '^uid=0 gid=0' "$out" ||
		fail "$1: the process is not root in the pod: $(head -n 1 "$out")"
	awk '$NF == "rootfile" { print $3 ":" $4 }' "$out" | grep -qx 0:0 ||
		fail "$1: rootfile is not 0:0 in the pod: $(cat "$out")"
	awk '$NF == "userfile" { print $3 ":" $4 }' "$out" | grep -qx 1000:1000 ||
		fail "$1: userfile is not 1000:1000 in the pod: $(cat "$out")"
}
write_bundle "$W/b-run" "$W/fuse" 0:0 "$LIST"
cp "$W/b-run/config.json" "$W/b-run/config.orig"
wrapped run --bundle "$W/b-run" run-root >"$W/run.out" 2>"$W/run.err" </dev/null ||
	fail "run: the wrapper failed: $(cat "$W/run.err")"
expect_view run "$W/run.out"
[ "$(stat -c %u:%g "$W/src/new-uidmapfs-runtime-test")" = 0:0 ] ||
	fail "run: the pod root's new file is $(stat -c %u:%g "$W/src/new-uidmapfs-runtime-test") on disk, want 0:0"
# Only the volume mount changed: the rest of the spec is the same JSON.
python3 - "$W/b-run/config.orig" "$W/b-run/config.json" "$RT_STATE" <<'PY' || fail "run: the spec was not rewritten as it should be"
import json, sys
old, new = (json.load(open(p)) for p in sys.argv[1:3])
vol = [m for m in new["mounts"] if m["destination"] == "/vol"][0]
assert vol["source"].startswith(sys.argv[3] + "/volumes/"), vol
assert "uidMappings" not in vol and "gidMappings" not in vol, vol
assert vol["options"] == ["rbind", "rprivate", "rw"], vol
for m in old["mounts"]:
    if m["destination"] == "/vol":
        m["source"] = vol["source"]
        del m["uidMappings"], m["gidMappings"]
assert old == new, "something else changed"
PY
rt_expect_clean "run"
write_bundle "$W/b-user" "$W/fuse" 1000:1000 'id -u; cat /vol/private'
wrapped run --bundle "$W/b-user" run-user >"$W/user.out" 2>"$W/user.err" </dev/null ||
	fail "run as 1000: the wrapper failed: $(cat "$W/user.err")"
[ "$(cat "$W/user.out")" = "$(printf '1000\nsecret')" ] ||
	fail "run as 1000: pod user 1000 cannot read its 0600 file: $(cat "$W/user.out" "$W/user.err")"
rt_expect_clean "run as 1000"
note "ok: run: the pod sees 0 and 1000, creates as 0:0, user 1000 reads its 0600 file; nothing left"

# Files bind-mounted with an ID-mapping, as kubelet asks for /etc/hosts and
# a subPath volume of one file: a local one is left to crun, one on the
# FUSE volume is served through its directory.
echo "127.0.0.1 pod" >"$W/hosts"
write_bundle "$W/b-files" "$W/fuse" 0:0 'cat /etc/hosts; ls -ln /one; cat /one'
python3 - "$W/b-files/config.json" "$W/hosts" "$W/fuse/userfile" <<'PY'
import json, sys
path, hosts, one = sys.argv[1:]
spec = json.load(open(path))
maps = {"uidMappings": [{"containerID": 0, "hostID": 524288, "size": 65536}],
        "gidMappings": [{"containerID": 0, "hostID": 524288, "size": 65536}]}
for dest, src in (("/etc/hosts", hosts), ("/one", one)):
    spec["mounts"].append(dict(destination=dest, type="bind", source=src,
                               options=["rbind", "rprivate", "ro"], **maps))
json.dump(spec, open(path, "w"), indent=2)
PY
wrapped run --bundle "$W/b-files" run-files >"$W/files.out" 2>"$W/files.err" </dev/null ||
	fail "file mounts: $(cat "$W/files.err")"
grep -qx '127.0.0.1 pod' "$W/files.out" || fail "file mounts: /etc/hosts: $(cat "$W/files.out")"
awk '$NF == "/one" { print $3 ":" $4 }' "$W/files.out" | grep -qx 1000:1000 ||
	fail "file mounts: the FUSE file is not 1000:1000 in the pod: $(cat "$W/files.out")"
grep -qx user "$W/files.out" || fail "file mounts: cannot read the FUSE file: $(cat "$W/files.out")"
rt_expect_clean "file mounts"
note "ok: file bind mounts: a local one left to crun, one on FUSE served through its directory"

# 3. create / start / delete, with the runtime's log in JSON.
write_bundle "$W/b-life" "$W/fuse" 0:0 "$LIST"
wrapped --log "$W/life.log" --log-format json create --bundle "$W/b-life" life \
	>"$W/life.out" 2>"$W/life.err" </dev/null ||
	fail "create: $(cat "$W/life.err")"
[ -n "$(rt_daemons)" ] || fail "create: no uidmapfs daemon is running"
[ -n "$(rt_mounts)" ] || fail "create: no uidmapfs mount"
# Only the container's root (and root) may reach the mount on the host.
gate=$(dirname "$(rt_mounts)")
[ "$(stat -c %u:%g:%a "$gate")" = "$HOSTMAP:$HOSTMAP:700" ] ||
	fail "create: the mount's gate is $(stat -c %u:%g:%a "$gate"), want $HOSTMAP:$HOSTMAP:700"
if setpriv --reuid 2000 --regid 2000 --clear-groups ls "$(rt_mounts)" >/dev/null 2>&1; then
	fail "create: host user 2000 can reach the shared volume"
fi
# A second create of the same id fails and leaves the first's volume be.
write_bundle "$W/b-life2" "$W/fuse" 0:0 "$LIST"
if wrapped create --bundle "$W/b-life2" life >/dev/null 2>"$W/life2.err" </dev/null; then
	fail "a second create of id life succeeded"
fi
grep -q 'container life already exists' "$W/life2.err" ||
	fail "second create: $(cat "$W/life2.err")"
[ -n "$(rt_mounts)" ] || fail "a second create of the same id released the first's volume"
wrapped start life || fail "start failed"
wait_stopped life
expect_view life "$W/life.out"
wrapped --log "$W/life.log" --log-format json delete life || fail "delete failed"
rt_expect_clean "delete"
if wrapped delete life 2>/dev/null; then
	fail "a second delete succeeded (crun should refuse it)"
fi
if wrapped delete no-such-container 2>/dev/null; then
	fail "delete of an unknown id succeeded"
fi
rt_expect_clean "second delete"
note "ok: create/start/delete: one daemon while the container exists, none after; repeated deletes change nothing"

# 4. A root-squashing store: the wrapper's shift mode acts as the caller.
SQSTORE=$W/sqstore
SQ=$W/squash
populate "$SQSTORE"
chmod 0755 "$SQSTORE"
mkdir -p "$SQ"
MOUNTS+=("$SQ")
"$ROOTSQUASH" "$SQSTORE" "$SQ" -f -o allow_other,fsname=rootsquash >"$W/rootsquash.log" 2>&1 &
DAEMONS+=("$!")
DAEMON_LOGS+=("$W/rootsquash.log")
wait_for_fuse_mount "$!" "$SQ" "$W/rootsquash.log"
if cat "$SQ/private" >/dev/null 2>&1; then
	fail "rootsquash control: host root read the 0600 file of 1000"
fi
write_bundle "$W/b-sq" "$SQ" 1000:1000 'id -u; cat /vol/private'
wrapped run --bundle "$W/b-sq" sq-user >"$W/sq.out" 2>"$W/sq.err" </dev/null ||
	fail "root squash: the wrapper failed: $(cat "$W/sq.err")"
[ "$(cat "$W/sq.out")" = "$(printf '1000\nsecret')" ] ||
	fail "root squash: pod user 1000 cannot read its 0600 file: $(cat "$W/sq.out" "$W/sq.err")"
write_bundle "$W/b-sq0" "$SQ" 0:0 'cat /vol/private && echo READ'
wrapped run --bundle "$W/b-sq0" sq-root >"$W/sq0.out" 2>&1 </dev/null || true
grep -q READ "$W/sq0.out" && fail "root squash: pod root read 1000's 0600 file (not squashed)"
rt_expect_clean "root squash"
note "ok: root-squashing store: pod user 1000 reads its 0600 file, pod root is squashed"

# 5. Ten containers at once on one volume.
pids=()
for i in $(seq 1 10); do
	write_bundle "$W/b-par$i" "$W/fuse" 0:0 'ls /vol | grep -v new- | tr "\n" " "; echo'
	wrapped create --bundle "$W/b-par$i" "par$i" >"$W/par$i.out" 2>"$W/par$i.err" </dev/null &
	pids+=("$!")
done
for i in "${!pids[@]}"; do
	wait "${pids[i]}" || fail "parallel create par$((i + 1)): $(cat "$W/par$((i + 1)).err")"
done
set -- $(rt_daemons)
[ $# = 1 ] || fail "10 containers on one volume: $# daemons, want 1"
[ "$(ls "$RT_STATE/volumes"/*/users | wc -l)" = 10 ] ||
	fail "10 containers on one volume: $(ls "$RT_STATE/volumes"/*/users | wc -l) users recorded"
for i in $(seq 1 10); do
	wrapped start "par$i" || fail "start par$i"
done
for i in $(seq 1 10); do
	wait_stopped "par$i"
	[ "$(cat "$W/par$i.out")" = "$(cat "$W/par1.out")" ] ||
		fail "par$i sees other files than par1: $(cat "$W/par$i.out") / $(cat "$W/par1.out")"
done
grep -q 'rootfile' "$W/par1.out" || fail "the containers do not see the volume: $(cat "$W/par1.out")"
pids=()
for i in $(seq 1 10); do
	wrapped delete "par$i" &
	pids+=("$!")
done
for p in "${pids[@]}"; do
	wait "$p" || fail "parallel delete failed"
done
rt_expect_clean "10 parallel deletes"
note "ok: 10 containers created at once share one daemon and see the same files; all gone after delete"

# 6. A volume the kernel can ID-map is the runtime's business.
mount_backing tmpfs "$W/tmpfs"
populate "$W/tmpfs/vol"
write_bundle "$W/b-tmpfs" "$W/tmpfs/vol" 0:0 "$LIST"
cp "$W/b-tmpfs/config.json" "$W/b-tmpfs/config.orig"
wrapped create --bundle "$W/b-tmpfs" tmpfs >"$W/tmpfs.out" 2>"$W/tmpfs.err" </dev/null ||
	fail "tmpfs: $(cat "$W/tmpfs.err")"
cmp -s "$W/b-tmpfs/config.orig" "$W/b-tmpfs/config.json" ||
	fail "tmpfs: the spec of a volume the kernel can ID-map was changed"
[ -z "$(rt_daemons)" ] || fail "tmpfs: a daemon was started for a volume the kernel can ID-map"
wrapped start tmpfs
wait_stopped tmpfs
expect_view tmpfs "$W/tmpfs.out"
wrapped delete tmpfs
rt_expect_clean "tmpfs"
note "ok: a tmpfs volume is left to crun's own ID-mapping, spec untouched"

# 7. Failures leave nothing behind.
write_bundle "$W/b-fail" "$W/fuse" 0:0 "$LIST"
sed -i "s|\"path\": \"$ROOTFS\"|\"path\": \"$W/no-rootfs\"|" "$W/b-fail/config.json"
if wrapped run --bundle "$W/b-fail" fail1 >"$W/fail.out" 2>"$W/fail.err" </dev/null; then
	fail "a container without a rootfs ran"
fi
rt_expect_clean "a create crun refused after the mount"

expect_refused() { # NAME WHAT-THE-LINE-NAMES
	local name=$1 want=$2 line
	if wrapped --log "$W/$name.log" --log-format json create --bundle "$W/b-$name" "$name" \
		>"$W/$name.out" 2>"$W/$name.err" </dev/null; then
		fail "$name: the wrapper accepted it"
	fi
	[ "$(wc -l <"$W/$name.err")" = 1 ] || fail "$name: not one line: $(cat "$W/$name.err")"
	line=$(cat "$W/$name.err")
	case $line in
	"uidmapfs-runtime: "*"$want"*) ;;
	*) fail "$name: the error does not name $want: $line" ;;
	esac
	grep -qF "\"level\":\"error\"" "$W/$name.log" ||
		fail "$name: no JSON error line in the runtime log: $(cat "$W/$name.log")"
	plain_crun state "$name" >/dev/null 2>&1 && fail "$name: crun created the container"
	rt_expect_clean "$name"
	note "ok: $name refused: $line"
}
mkdir -p "$W/b-badjson"
printf '{"ociVersion": "1.1.0", "mounts": [' >"$W/b-badjson/config.json"
expect_refused badjson config.json
write_bundle "$W/b-badmap" "$W/fuse" 0:0 "$LIST" '"options": ["rbind"],
       "uidMappings": [{"containerID": 0, "hostID": 524288, "size": 0}],
       "gidMappings": [{"containerID": 0, "hostID": 524288, "size": 65536}]'
expect_refused badmap /vol
write_bundle "$W/b-nosource" "$W/missing" 0:0 "$LIST"
expect_refused nosource /vol

# A daemon that cannot mount: its own error line, nothing left.
cp "$RT_CONF" "$W/runtime.conf.good"
echo "options = no_such_option" >>"$RT_CONF"
write_bundle "$W/b-baddaemon" "$W/fuse" 0:0 "$LIST"
if wrapped create --bundle "$W/b-baddaemon" baddaemon >"$W/baddaemon.out" 2>"$W/baddaemon.err" </dev/null; then
	fail "baddaemon: a daemon with a bad option mounted"
fi
grep -q '^uidmapfs-runtime: mount /vol: .*no_such_option' "$W/baddaemon.err" ||
	fail "baddaemon: the error is not the daemon's own: $(cat "$W/baddaemon.err")"
plain_crun state baddaemon >/dev/null 2>&1 && fail "baddaemon: crun created the container"
rt_expect_clean baddaemon
cp "$W/runtime.conf.good" "$RT_CONF"
note "ok: a daemon that cannot mount: $(cat "$W/baddaemon.err")"

# A state directory others may write, or a relative one, is refused: what
# is in it decides what gets unmounted and signalled.
mkdir -m 0777 "$W/open-state"
chmod 0777 "$W/open-state"
for dir in "$W/open-state" relative-state; do
	cp "$W/runtime.conf.good" "$RT_CONF"
	echo "state-dir = $dir" >>"$RT_CONF"
	write_bundle "$W/b-state" "$W/fuse" 0:0 "$LIST"
	if wrapped create --bundle "$W/b-state" badstate >/dev/null 2>"$W/badstate.err" </dev/null; then
		fail "state-dir $dir was accepted"
	fi
	grep -Eq 'uidmapfs-runtime: (state directory .*not writable by others|state-dir must be an absolute path)' "$W/badstate.err" ||
		fail "state-dir $dir: $(cat "$W/badstate.err")"
	plain_crun state badstate >/dev/null 2>&1 && fail "state-dir $dir: crun created the container"
done
cp "$W/runtime.conf.good" "$RT_CONF"
note "ok: a state directory others may write, or a relative one, is refused"
