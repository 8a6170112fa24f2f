#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# runtime-podman: uidmapfs-runtime as the OCI runtime of a real client we
# did not write, Debian's podman 4.3 (with its conmon and crun 1.8):
# `podman run --uidmap 0:524288:65536 --gidmap 0:524288:65536
# -v FUSE-DIR:/vol:idmap` on a bindfs volume.  The image is made here
# (podman import of the busybox rootfs); no registry, no network.
#
#   1. control: with plain crun as podman's runtime the :idmap volume on
#      FUSE fails with crun's ID-mapping error;
#   2. the spec podman 4.3 writes for :idmap is what the wrapper expects
#      (the "idmap" option on an rbind mount, the pod's map in
#      linux.uidMappings) and what tests/unit/specs/podman-4.3.1-real.json
#      holds;
#   3. `podman run --rm` as pod root: owners 0 and 1000 as on disk, a new
#      file lands as 0:0; as --user 1000:1000: reads its 0600 file; after
#      each, no daemon, mount or state is left (the release comes from
#      podman's `delete --force`, run by a process other than create's);
#   4. the kernel as oracle: `idmap`, `idmap=uids=...;gids=...` with the
#      pod's map and with a one-id map, `idmap` with a pod map of three
#      extents: the same owners, and the same owner for a new file, through
#      the wrapper on FUSE as through crun's own ID-mapped mount on tmpfs;
#   5. `podman run -d`: one daemon while it runs, crun gets the rewritten
#      spec (only the volume changed), `podman exec` works; `podman stop`
#      releases, `podman start` mounts again, `podman rm -f` releases;
#   6. two containers on one volume share one daemon; removing the one
#      whose create started it leaves it serving the other;
#   7. a create crun refuses (no executable) after the volume was mounted:
#      released, and the runtime's log holds crun's reason only;
#   8. a file on FUSE as an :idmap volume is served through its directory;
#   9. a volume the wrapper refuses (crun's idmap= form with uids only):
#      podman reports the wrapper's line from the runtime's JSON log,
#      nothing is left.
#
# podman and conmon run inside this test's private mount namespace, with
# /etc, /var and /run made read-only there (podman's defaults point at
# them): everything podman keeps is under the work directory, named by
# CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and TMPDIR (see pm_setup).
#
# Shown to fail: with the runtime script exec'ing plain crun instead of the
# wrapper, step 3 fails with crun's "mount_setattr ... Invalid argument";
# with container_release() made a no-op, step 3 fails: the daemon left
# keeps its adoptive conmon running ("podman processes still running");
# with main.c passing --log on to its `crun state` query, step 7 finds a
# second error line ("error opening file .../status") in the runtime log.
set -euo pipefail
PROG=runtime-podman
# shellcheck source=rtlib.sh
. "$(dirname "$0")/rtlib.sh"
rt_enter_namespace "$@"
rt_setup podman conmon tar python3
W=$WORKDIR
PM=$W/podman
IMAGE=localhost/uidmapfs-busybox:test
MAPS=(--uidmap "0:$HOSTMAP:65536" --gidmap "0:$HOSTMAP:65536")
FIXTURE=$(cd "$(dirname "$0")/../unit/specs" && pwd)/podman-4.3.1-real.json

# Make $1 read-only in this mount namespace (its submounts stay as they
# are), unless the work directory is below it.
pm_read_only() {
	case $W/ in "$1"/*)
		note "$1 holds the work directory; left writable"
		return
		;;
	esac
	if ! mount --rbind "$1" "$1" || ! mount -o remount,bind,ro "$1"; then
		fail "cannot make $1 read-only in the test's mount namespace"
	fi
}

# A runtime for podman: a script, since conmon and podman pass the runtime
# none of our environment.  It logs each call with its time and caller
# (calls.log: TIME TAB CALLER TAB ARGS), keeps the config.json of a create
# as podman wrote it, names crun's state directory (podman's cleanup
# process drops --runtime-flag) and runs "$@".
pm_runtime_script() {
	local name=$1
	shift
	cat >"$W/bin/$name" <<SCRIPT
#!/bin/sh
printf '%s\t%s\t%s\n' "\$(date +%T.%N)" "\$(tr '\0' ' ' </proc/\$PPID/cmdline)" "\$*" >>'$W/calls.log'
bundle= prev= id=
for arg; do
	[ "\$prev" = --bundle ] && bundle=\$arg
	prev=\$arg id=\$arg
done
case " \$* " in
*" create "*) [ -n "\$bundle" ] && cp "\$bundle/config.json" '$W/specs/'"\$id.json" ;;
esac
exec $* "\$@"
SCRIPT
	chmod 0755 "$W/bin/$name"
}

# podman's configuration, all of it under $PM, and the image.
pm_setup() {
	mkdir -p "$PM/tmp" "$W/bin" "$W/specs" "$CRUN_ROOT"
	pm_runtime_script uidmapfs-runtime "'$RUNTIME_WRAPPER' --uidmapfs-config '$RT_CONF' --root '$CRUN_ROOT'"
	pm_runtime_script plain-crun "'$(command -v crun)' --root '$CRUN_ROOT'"
	cat >"$PM/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$PM/storage"
runroot = "$PM/run"
CONF
	# Needed here: no cgroups (podman would make its own in the host's
	# hierarchy), then the runtime must be listed as able to run without
	# (runtime_supports_nocgroup: the key podman 4.3 reads; its
	# containers.conf(5) says "nocgroups"); no network namespace setup
	# (/run/netns, CNI); rlimits within ours (no CAP_SYS_RESOURCE);
	# tmp_dir off /run/libpod.  File locks keep off the host's
	# /dev/shm/libpod_lock.  static_dir must stay unset: podman's exit
	# command does not pass it, and its cleanup process, looking in
	# another database, leaves `podman run` waiting 20 s for the exit.
	cat >"$PM/containers.conf" <<CONF
[containers]
cgroups = "disabled"
netns = "none"
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
cgroup_manager = "cgroupfs"
lock_type = "file"
tmp_dir = "$PM/tmp"
image_copy_tmp_dir = "$PM/tmp"
runtime_supports_json = ["crun", "uidmapfs-runtime", "plain-crun"]
runtime_supports_nocgroup = ["crun", "uidmapfs-runtime", "plain-crun"]

[engine.runtimes]
uidmapfs-runtime = ["$W/bin/uidmapfs-runtime"]
plain-crun = ["$W/bin/plain-crun"]
CONF
	export CONTAINERS_CONF=$PM/containers.conf
	export CONTAINERS_STORAGE_CONF=$PM/storage.conf
	export TMPDIR=$PM/tmp # c/storage's temporary files, else /var/tmp
	tar -C "$ROOTFS" -c . | pm import -q - "$IMAGE" >/dev/null ||
		fail "podman import of the busybox rootfs failed"
}

# podman, bounded; a call slower than 5 s is noted (podman waits 20 s
# for an exit its cleanup process failed to record, e.g. when that process
# could not start: never pass --log-level=debug, which makes the cleanup
# process log to a syslog this machine does not have).
pm() {
	local start=$SECONDS rc=0
	timeout "$RUN_TIMEOUT" podman "$@" || rc=$?
	((SECONDS - start < 5)) || note "slow: podman $* took $((SECONDS - start)) s"
	return "$rc"
}

# podman with the wrapper as its runtime, stdin closed.
pm_wrapped() {
	pm --runtime uidmapfs-runtime "$@" </dev/null
}

# What a container printed to /out/$1.  Containers write there, not to
# podman's attach stream, which can come back empty under load.
pm_out() {
	cat "$OUT/$1" 2>/dev/null || true
}

# Wait, bounded, until no conmon and no podman of this test runs: podman's
# exit command (`podman container cleanup`) may still be deleting after
# the podman call that started the container returned.
pm_settle() {
	local i
	for ((i = 0; i < 200; i++)); do
		pgrep -f -- "$PM/" >/dev/null || return 0
		sleep 0.05
	done
	fail "podman processes still running after 10 s: $(pgrep -af -- "$PM/")"
}

pm_cleanup() {
	local rc=$? m p
	set +e
	if [ "$rc" != 0 ] && [ -s "$W/calls.log" ]; then
		note "the last runtime calls (time, caller, arguments):"
		tail -n 12 "$W/calls.log" | cut -c 1-400 | sed 's/^/  | /' >&2
	fi
	if [ -n "${CONTAINERS_CONF:-}" ]; then
		timeout 30 podman rm -a -f -t 0 >/dev/null 2>&1
		for p in $(pgrep -f -- "$PM/"); do
			wait_gone "$p" || kill -KILL "$p" 2>/dev/null
		done
	fi
	# podman's own mounts (a container's /dev/shm) of what it did not
	# clean up; deepest first.
	for m in $(findmnt -rn -o TARGET | grep -F -- "$PM/" | sort -r); do
		umount -l "$m"
	done
	(exit "$rc")
	rt_cleanup
}
trap pm_cleanup EXIT

# The container id podman wrote to --cidfile $1.
pm_cid() {
	[ -s "$1" ] || fail "podman wrote no container id to $1"
	cat "$1"
}

# Who called `delete` for container $1: the caller's command line, once
# per call.  Fails when nobody did.
pm_deleters() {
	awk -F '\t' -v id="$1" '$3 ~ ("delete .*" id "$") { print $2 }' "$W/calls.log" |
		sed 's/ *$//' | sort -u | grep . ||
		fail "nobody called delete for $1: $(cat "$W/calls.log")"
}

for d in /etc /var /run; do
	pm_read_only "$d"
done
pm_setup
note "$(podman --version), $(conmon --version | head -n 1), $(crun --version | head -n 1)"

populate "$W/src"
OUT=$W/out
mkdir -p "$OUT"
chmod 1777 "$OUT"
VOLS=(-v "$OUT:/out")
mkdir -p "$W/fuse"
MOUNTS+=("$W/fuse")
bindfs "$W/src" "$W/fuse" || fail "bindfs could not mount"

# 1. Without the wrapper the kernel refuses to ID-map the FUSE volume.
if pm --runtime plain-crun run --rm -v "$W/fuse:/vol:idmap" "${MAPS[@]}" "$IMAGE" true \
	</dev/null >"$W/plain.out" 2>"$W/plain.err"; then
	fail "control: podman with plain crun ran a container with an ID-mapped FUSE volume"
fi
grep -q 'mount_setattr.*Invalid argument' "$W/plain.err" ||
	fail "control: podman failed, but not with crun's ID-mapping error: $(cat "$W/plain.err")"
note "ok: control: podman with plain crun fails: $(head -n 1 "$W/plain.err")"

# 2. and 3. As pod root.
LIST='{ id; ls -ln /vol; touch /vol/new-$(hostname); } >/out/root 2>&1'
pm_wrapped run --rm --cidfile "$W/cid-root" --hostname pod-root "${VOLS[@]}" \
	-v "$W/fuse:/vol:idmap" "${MAPS[@]}" "$IMAGE" sh -c "$LIST" \
	>"$W/root.out" 2>"$W/root.err" ||
	fail "run as root: podman failed: $(cat "$W/root.err" "$OUT/root")"
pm_out root | grep -q '^uid=0 gid=0' ||
	fail "run as root: the process is not root in the pod: $(pm_out root)"
owner() { pm_out root | awk -v f="$1" '$NF == f { print $3 ":" $4 }'; }
[ "$(owner rootfile)" = 0:0 ] ||
	fail "run as root: rootfile is not 0:0 in the pod: $(pm_out root)"
[ "$(owner userfile)" = 1000:1000 ] ||
	fail "run as root: userfile is not 1000:1000 in the pod: $(pm_out root)"
[ "$(stat -c %u:%g "$W/src/new-pod-root")" = 0:0 ] ||
	fail "run as root: the pod root's new file is $(stat -c %u:%g "$W/src/new-pod-root") on disk, want 0:0"
pm_settle
rt_expect_clean "run --rm as root"
ROOT_ID=$(pm_cid "$W/cid-root")
note "ok: run --rm as root: the pod sees 0 and 1000, creates as 0:0; nothing left; delete came from: $(pm_deleters "$ROOT_ID" | tr '\n' ';')"

# The spec podman wrote, as the wrapper received it.
[ -f "$W/specs/$ROOT_ID.json" ] || fail "the runtime script kept no config.json for $ROOT_ID"
python3 - "$W/specs/$ROOT_ID.json" "$W/fuse" "$HOSTMAP" "$FIXTURE" "$(podman --version)" <<'PY' ||
import json, sys
path, source, hostmap, fixture, version = sys.argv[1:6]
spec = json.load(open(path))
vols = [m for m in spec["mounts"] if m["destination"] == "/vol"]
assert len(vols) == 1, vols
vol = vols[0]
assert vol["type"] == "bind" and vol["source"] == source, vol
assert "idmap" in vol["options"] and "rbind" in vol["options"], vol
assert "uidMappings" not in vol and "gidMappings" not in vol, vol
pod = [{"containerID": 0, "hostID": int(hostmap), "size": 65536}]
assert spec["linux"]["uidMappings"] == pod, spec["linux"]["uidMappings"]
assert spec["linux"]["gidMappings"] == pod, spec["linux"]["gidMappings"]
assert {"type": "user"} in spec["linux"]["namespaces"], spec["linux"]["namespaces"]
if " 4.3." in version:
    fix = json.load(open(fixture))
    fvol = [m for m in fix["mounts"] if m["destination"] == "/vol"][0]
    assert {k: v for k, v in fvol.items() if k != "source"} == \
        {k: v for k, v in vol.items() if k != "source"}, (fvol, vol)
    for key in ("uidMappings", "gidMappings", "namespaces"):
        assert fix["linux"][key] == spec["linux"][key], key
PY
	fail "the spec podman wrote for :idmap is not the form the wrapper expects (or not the fixture's)"
note "ok: podman's :idmap spec: option \"idmap\" on an rbind mount, the pod's map in linux.uidMappings, as in $(basename "$FIXTURE")"

# As --user 1000:1000.
pm_wrapped run --rm --cidfile "$W/cid-user" --user 1000:1000 "${VOLS[@]}" \
	-v "$W/fuse:/vol:idmap" "${MAPS[@]}" "$IMAGE" \
	sh -c '{ id -u; cat /vol/private; } >/out/user 2>&1' >"$W/user.out" 2>"$W/user.err" ||
	fail "run as 1000: podman failed: $(cat "$W/user.err" "$OUT/user")"
[ "$(pm_out user)" = "$(printf '1000\nsecret')" ] ||
	fail "run as 1000: pod user 1000 cannot read its 0600 file: $(pm_out user)"
pm_settle
rt_expect_clean "run --rm as 1000"
pm_deleters "$(pm_cid "$W/cid-user")" >/dev/null
note "ok: run --rm as 1000:1000: reads its 0600 file; nothing left"

# 4. The kernel's own ID-mapped mount (crun's, on tmpfs) as the oracle.
mount_backing tmpfs "$W/tmpfs"
cp -a "$W/src" "$W/tmpfs/src"
VIEW='cd /vol && { stat -c "%n %u:%g %a" *; touch made-$0 2>/dev/null && echo made || echo not made; } >/out/$0 2>&1'
# OPTION EXTENTS: the volume's option, and the pod's map (--uidmap and
# --gidmap alike, extents separated by commas).
ORACLE=(
	"idmap 0:$HOSTMAP:65536"
	"idmap=uids=0-$HOSTMAP-65536;gids=0-$HOSTMAP-65536 0:$HOSTMAP:65536"
	"idmap=uids=1000-$HOSTMAP-1;gids=1000-$HOSTMAP-1 0:$HOSTMAP:65536"
	"idmap 0:$HOSTMAP:1000,1000:700000:1,1001:$((HOSTMAP + 1001)):64535"
)
for c in "${ORACLE[@]}"; do
	opt=${c% *}
	maps=()
	IFS=, read -r -a extents <<<"${c##* }"
	for e in "${extents[@]}"; do
		maps+=(--uidmap "$e" --gidmap "$e")
	done
	what="$opt with the pod's map ${c##* }"
	rm -f "$OUT/kernel" "$OUT/wrapped"
	pm --runtime plain-crun run --rm "${VOLS[@]}" -v "$W/tmpfs/src:/vol:$opt" "${maps[@]}" \
		"$IMAGE" sh -c "$VIEW" kernel </dev/null >"$W/kernel.out" 2>&1 ||
		fail "oracle $what: podman with plain crun on tmpfs failed: $(cat "$W/kernel.out")"
	pm_wrapped run --rm "${VOLS[@]}" -v "$W/fuse:/vol:$opt" "${maps[@]}" \
		"$IMAGE" sh -c "$VIEW" wrapped >"$W/wrapped.out" 2>&1 ||
		fail "oracle $what: podman with the wrapper failed: $(cat "$W/wrapped.out")"
	pm_out kernel | grep -q '^userfile ' || fail "oracle $what: no listing: $(pm_out kernel)"
	diff -u "$OUT/kernel" "$OUT/wrapped" >&2 ||
		fail "oracle $what: the wrapper's FUSE volume shows other owners than the kernel's ID-mapped tmpfs"
	made=none
	if [ -e "$W/tmpfs/src/made-kernel" ]; then
		made=$(stat -c %u:%g "$W/tmpfs/src/made-kernel")
		[ "$(stat -c %u:%g "$W/src/made-wrapped")" = "$made" ] ||
			fail "oracle $what: pod root's new file is $(stat -c %u:%g "$W/src/made-wrapped") on disk, the kernel's $made"
	fi
	# Through bindfs, whose kernel cache would still hold the name.
	rm -f "$W/tmpfs/src/made-kernel" "$W/fuse/made-wrapped"
	pm_settle
	rt_expect_clean "oracle $what"
	note "ok: :$what: the same owners as the kernel's ID-mapped mount ($(pm_out wrapped | tr '\n' ' ')), new file on disk: $made"
done

# 5. Detached: run -d, exec, stop, start, rm -f.
pm_wrapped run -d --cidfile "$W/cid-det" --name det "${VOLS[@]}" -v "$W/fuse:/vol:idmap" "${MAPS[@]}" \
	"$IMAGE" sleep 60 >"$W/det.out" 2>"$W/det.err" ||
	fail "run -d: podman failed: $(cat "$W/det.err")"
DET_ID=$(pm_cid "$W/cid-det")
read -r -a daemons <<<"$(rt_daemons)"
[ "${#daemons[@]}" = 1 ] || fail "run -d: ${#daemons[@]} uidmapfs daemons, want 1"
[ -n "$(rt_mounts)" ] || fail "run -d: no uidmapfs mount"
[ -f "$RT_STATE/containers/$DET_ID" ] || fail "run -d: the wrapper has no state for $DET_ID"
BUNDLE=$(awk -F '\t' -v id="$DET_ID" '$3 ~ (" create .* " id "$") { print $3 }' "$W/calls.log" |
	tail -n 1 | sed 's/.*--bundle \([^ ]*\).*/\1/')
[ -f "$BUNDLE/config.json" ] || fail "run -d: no bundle for $DET_ID in $W/calls.log"
python3 - "$W/specs/$DET_ID.json" "$BUNDLE/config.json" "$RT_STATE" <<'PY' ||
import json, sys
old, new = (json.load(open(p)) for p in sys.argv[1:3])
vol = [m for m in new["mounts"] if m["destination"] == "/vol"][0]
assert vol["source"].startswith(sys.argv[3] + "/volumes/"), vol
assert not any(o == "idmap" or o.startswith("idmap=") for o in vol["options"]), vol
for m in old["mounts"]:
    if m["destination"] == "/vol":
        m["source"] = vol["source"]
        m["options"] = [o for o in m["options"] if o != "idmap"]
assert old == new, "something else changed"
PY
	fail "run -d: crun did not get podman's spec with only the volume redirected"
rm -f "$OUT/exec"
pm exec det sh -c 'stat -c %u:%g /vol/userfile >/out/exec' </dev/null || fail "podman exec failed"
[ "$(pm_out exec)" = 1000:1000 ] ||
	fail "exec: userfile is not 1000:1000 in the pod"
pm stop -t 0 det >/dev/null </dev/null || fail "podman stop failed"
pm_settle
rt_expect_clean "stop"
pm start det >/dev/null </dev/null || fail "podman start after stop failed"
[ -n "$(rt_daemons)" ] || fail "start after stop: no uidmapfs daemon"
rm -f "$OUT/exec"
pm exec det sh -c 'stat -c %u:%g /vol/userfile >/out/exec' </dev/null || fail "podman exec failed"
[ "$(pm_out exec)" = 1000:1000 ] ||
	fail "exec after restart: userfile is not 1000:1000 in the pod"
pm rm -f -t 0 det >/dev/null </dev/null || fail "podman rm -f failed"
pm_settle
rt_expect_clean "rm -f"
note "ok: run -d/exec/stop/start/rm -f: one daemon while it runs, crun's spec only redirected, nothing left; delete came from: $(pm_deleters "$DET_ID" | tr '\n' ';')"

# 6. Two containers on one volume; the one whose create started the daemon
# goes first.  Without systemd the daemon is a plain process, adopted by
# that container's conmon (a child subreaper), which therefore stays until
# the volume is released.
for c in a b; do
	pm_wrapped run -d --cidfile "$W/cid-$c" --name "$c" "${VOLS[@]}" \
		-v "$W/fuse:/vol:idmap" "${MAPS[@]}" "$IMAGE" sleep 60 \
		>"$W/$c.out" 2>"$W/$c.err" || fail "run -d $c: podman failed: $(cat "$W/$c.err")"
done
read -r -a daemons <<<"$(rt_daemons)"
[ "${#daemons[@]}" = 1 ] || fail "two containers on one volume: ${#daemons[@]} daemons, want 1"
USERS=$(ls "$RT_STATE/volumes"/*/users)
[ "$(echo "$USERS" | sort)" = "$(printf '%s\n' "$(pm_cid "$W/cid-a")" "$(pm_cid "$W/cid-b")" | sort)" ] ||
	fail "two containers on one volume: users recorded: $USERS"
pm rm -f -t 0 a >/dev/null </dev/null || fail "podman rm -f a failed"
[ "$(rt_daemons)" = "${daemons[0]}" ] || fail "rm -f a: the daemon b uses is gone"
[ "$(ls "$RT_STATE/volumes"/*/users)" = "$(pm_cid "$W/cid-b")" ] ||
	fail "rm -f a: users left: $(ls "$RT_STATE/volumes"/*/users)"
rm -f "$OUT/exec"
pm exec b sh -c 'stat -c %u:%g /vol/userfile >/out/exec' </dev/null || fail "podman exec b failed"
[ "$(pm_out exec)" = 1000:1000 ] || fail "rm -f a: b no longer sees the volume"
ADOPTER=$(cat "/proc/$(awk '{ print $4 }' "/proc/${daemons[0]}/stat")/comm" || true)
pm rm -f -t 0 b >/dev/null </dev/null || fail "podman rm -f b failed"
pm_settle
rt_expect_clean "two containers"
note "ok: two containers share one daemon; it serves b after a is removed (its parent meanwhile: ${ADOPTER:-?}) and goes with b"

# 7. A create crun refuses after the wrapper mounted the volume: released
# at once, and the runtime's log (where podman and containerd read why)
# holds crun's reason alone, not also the wrapper's own `crun state` query
# that follows it (containerd reports the last error line).
if pm_wrapped run --cidfile "$W/cid-bad" --name bad -v "$W/fuse:/vol:idmap" "${MAPS[@]}" \
	"$IMAGE" /nonexistent >"$W/bad.out" 2>"$W/bad.err"; then
	fail "a container without its executable ran"
fi
grep -q 'nonexistent.*not found' "$W/bad.err" ||
	fail "bad create: podman does not show crun's reason: $(cat "$W/bad.err")"
rt_expect_clean "a create crun refused"
BAD_ID=$(pm_cid "$W/cid-bad")
BAD_LOG=$(awk -F '\t' -v id="$BAD_ID" '$3 ~ (" create .* " id "$") { print $3 }' "$W/calls.log" |
	tail -n 1 | sed 's/.*--log \([^ ]*\).*/\1/')
[ -f "$BAD_LOG" ] || fail "bad create: no runtime log for $BAD_ID in $W/calls.log"
grep -q 'nonexistent' "$BAD_LOG" || fail "bad create: crun's reason is not in the runtime log: $(cat "$BAD_LOG")"
[ "$(grep -c '"level":"error"' "$BAD_LOG")" = 1 ] ||
	fail "bad create: the runtime log has more than crun's reason: $(cat "$BAD_LOG")"
pm rm bad >/dev/null </dev/null || fail "podman rm of the container that failed to create"
pm_settle
rt_expect_clean "rm of a failed create"
note "ok: a create crun refused: volume released, podman and the runtime log give crun's reason only"

# 8. A file on the FUSE volume as an :idmap volume: served through a
# uidmapfs of its directory.
pm_wrapped run --rm -v "$W/fuse/rootfile:/f:idmap" "${MAPS[@]}" "$IMAGE" \
	sh -c 'stat -c %u:%g /f; cat /f' >"$W/file.out" 2>"$W/file.err" ||
	fail "a FUSE file as an :idmap volume: $(cat "$W/file.err")"
[ "$(cat "$W/file.out")" = "$(printf '0:0\nroot')" ] ||
	fail "a FUSE file as an :idmap volume: $(cat "$W/file.out" "$W/file.err")"
pm_settle
rt_expect_clean "file volume"
note "ok: a FUSE file as an :idmap volume is served through its directory"

# 9. A volume the wrapper refuses (crun's form with uids only: crun would
# leave every gid unmapped): podman shows the wrapper's reason.
if pm_wrapped run --rm -v "$W/fuse:/g:idmap=uids=0-524288-65536" "${MAPS[@]}" "$IMAGE" true \
	>"$W/refused.out" 2>"$W/refused.err"; then
	fail "an idmap= volume with uids only ran"
fi
grep -q 'uidmapfs-runtime: mount /g: ' "$W/refused.err" ||
	fail "podman does not show the wrapper's reason: $(cat "$W/refused.err")"
pm_settle
rt_expect_clean "refused volume"
note "ok: refused volume: podman says: $(cat "$W/refused.err")"

[ -z "$(pm ps -a -q)" ] || fail "podman still lists containers: $(pm ps -a)"
[ -z "$(plain_crun list -q)" ] || fail "crun still lists containers: $(plain_crun list -q)"
[ -z "$(findmnt -rn -o TARGET | grep -F -- "$PM/")" ] ||
	fail "podman left mounts: $(findmnt -rn -o TARGET | grep -F -- "$PM/")"
rt_expect_clean "end"
note "ok: no container, mount, daemon or state left"
