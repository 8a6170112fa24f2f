#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# runtime-hung: a volume whose store stops answering (an NFS server gone
# away; here a bindfs stopped with SIGSTOP) holds up only the containers
# that use it.  The wrapper looks at a volume's source (resolving it,
# asking the kernel whether it can ID-map it) before it takes the state
# lock that every create and delete on the node shares.
#
#   1. container A's create, on the stopped store, blocks: the kernel's
#      count of requests waiting on that FUSE connection
#      (/sys/fs/fuse/connections/N/waiting) shows it, polled with a bound;
#   2. while A waits, container B, on a healthy FUSE volume, is created,
#      serves its pod and is deleted, each step within its timeout;
#   3. a third create on the stopped store ends on SIGTERM, as a shim's
#      timeout sends it, and leaves no state;
#   4. the store answers again (SIGCONT): A's create completes, A runs
#      and is deleted; nothing of the wrapper's is left.
#
# Shown to fail: with the source resolved and probed under the state lock
# (the code before this test), step 2's create waits for the lock behind
# A until its timeout kills it, and the test fails there; with the
# wrapper's signals held while it looks at the sources (as they were
# before), step 3 fails: C still runs 10 s after SIGTERM.
set -euo pipefail
PROG=runtime-hung
# shellcheck source=rtlib.sh
. "$(dirname "$0")/rtlib.sh"
rt_enter_namespace "$@"
rt_setup
W=$WORKDIR

# The stopped store's daemon must go on again whatever happens, or its
# mount could not be unmounted by the cleanup; the creates that waited on
# it then finish (bounded) before rt_cleanup deletes what crun knows.
HUNG_PID=''
WAITERS=()
resume_store() {
	local p i
	[ -n "$HUNG_PID" ] && kill -CONT "$HUNG_PID" 2>/dev/null
	for p in "${WAITERS[@]}"; do
		for ((i = 0; i < 200; i++)); do
			kill -0 "$p" 2>/dev/null || break
			[ "$i" = 100 ] && kill -TERM "$p" 2>/dev/null
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	return 0
}
# An exit trap: nothing in it may end it early (set +e).
trap 'rc=$?; set +e; resume_store; (exit "$rc"); rt_cleanup' EXIT

# The FUSE connections of this mount namespace's mounts (fusectl), to see
# requests wait.
if ! mountpoint -q /sys/fs/fuse/connections; then
	mount -t fusectl fusectl /sys/fs/fuse/connections ||
		fail "cannot mount fusectl on /sys/fs/fuse/connections"
fi

# Two FUSE stores: "hung" (no caching, so every lookup reaches its daemon)
# and "ok".
populate "$W/hung-src/vol"
populate "$W/ok-src"
mkdir -p "$W/hung" "$W/ok"
MOUNTS+=("$W/hung" "$W/ok")
bindfs -o entry_timeout=0,attr_timeout=0,negative_timeout=0 \
	"$W/hung-src" "$W/hung" || fail "bindfs could not mount the store"
bindfs "$W/ok-src" "$W/ok" || fail "bindfs could not mount the healthy store"
HUNG_PID=$(pgrep -f -- "^bindfs .* $W/hung-src $W/hung\$") ||
	fail "no bindfs process serves $W/hung"
conn=$(findmnt -n -o MAJ:MIN --mountpoint "$W/hung" | sed 's/.*://; s/ //g')
waiting=/sys/fs/fuse/connections/$conn/waiting
[ -r "$waiting" ] || fail "no FUSE connection $conn in /sys/fs/fuse/connections"

write_bundle "$W/b-A" "$W/hung/vol" 0:0 'touch /vol/new-A'
write_bundle "$W/b-B" "$W/ok" 0:0 'touch /vol/new-B'

# 1. The store stops answering; A's create blocks in it.
kill -STOP "$HUNG_PID"
# Its own timeout, longer than the whole test, and exec'd: A_PID is the
# timeout process itself, which passes a TERM on to the wrapper.
(exec timeout -k 10 240 "$RUNTIME_WRAPPER" --uidmapfs-config "$RT_CONF" \
	--cgroup-manager=disabled --root "$CRUN_ROOT" \
	create --bundle "$W/b-A" A >"$W/A.out" 2>"$W/A.err" </dev/null) &
A_PID=$!
WAITERS+=("$A_PID")
blocked=0
for ((i = 0; i < 200; i++)); do
	if [ "$(cat "$waiting")" -gt 0 ]; then
		blocked=1
		break
	fi
	kill -0 "$A_PID" 2>/dev/null ||
		fail "A's create ended while its store was stopped: $(cat "$W/A.err")"
	sleep 0.05
done
[ "$blocked" = 1 ] || fail "A's create sent nothing to the stopped store within 10 s"
note "ok: A's create waits on the stopped store ($(cat "$waiting") request(s) waiting)"

# 2. B, on another volume, is not held up by A.
wrapped create --bundle "$W/b-B" B >"$W/B.out" 2>"$W/B.err" </dev/null ||
	fail "B's create failed (or timed out behind A): $(cat "$W/B.err")"
wrapped start B || fail "B's start failed"
wait_stopped B || fail "B did not finish"
wrapped delete B || fail "B's delete failed"
kill -0 "$A_PID" 2>/dev/null || fail "A's create ended while its store was still stopped"
[ "$(stat -c %u:%g "$W/ok-src/new-B")" = 0:0 ] ||
	fail "B's pod root made new-B as $(stat -c %u:%g "$W/ok-src/new-B") on disk, want 0:0"
note "ok: B was created, ran and was deleted while A's store was stopped"

# 3. A create on the stopped store ends on the caller's SIGTERM (as a
#    shim's timeout sends it) and leaves nothing: the look at a source
#    changes nothing, so the wrapper does not hold signals there.
before=$(cat "$waiting")
"$RUNTIME_WRAPPER" --uidmapfs-config "$RT_CONF" --cgroup-manager=disabled \
	--root "$CRUN_ROOT" create --bundle "$W/b-A" C >/dev/null 2>"$W/C.err" </dev/null &
C_PID=$!
WAITERS+=("$C_PID")
for ((i = 0; i < 200; i++)); do
	[ "$(cat "$waiting")" -gt "$before" ] && break
	kill -0 "$C_PID" 2>/dev/null || fail "C's create ended while its store was stopped: $(cat "$W/C.err")"
	sleep 0.05
done
[ "$(cat "$waiting")" -gt "$before" ] || fail "C's create sent nothing to the stopped store within 10 s"
kill -TERM "$C_PID"
for ((i = 0; i < 200; i++)); do
	kill -0 "$C_PID" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$C_PID" 2>/dev/null; then
	kill -KILL "$C_PID"
	fail "C's create, blocked on the stopped store, still ran 10 s after SIGTERM"
fi
status=0
wait "$C_PID" || status=$?
[ "$status" = 143 ] || fail "C's create exited with $status after SIGTERM, want 143 (killed by it)"
[ ! -e "$RT_STATE/containers/C" ] || fail "C's create left a state record"
note "ok: a create blocked on the stopped store ends on SIGTERM and leaves nothing"

# 4. The store answers again; A goes on.
kill -CONT "$HUNG_PID"
status=0
wait "$A_PID" || status=$?
[ "$status" = 0 ] || fail "A's create failed after its store came back: $(cat "$W/A.err")"
wrapped start A || fail "A's start failed"
wait_stopped A || fail "A did not finish"
wrapped delete A || fail "A's delete failed"
[ "$(stat -c %u:%g "$W/hung-src/vol/new-A")" = 0:0 ] ||
	fail "A's pod root made new-A as $(stat -c %u:%g "$W/hung-src/vol/new-A") on disk, want 0:0"
rt_expect_clean "after both deletes"
note "ok: A was created once its store answered; nothing is left"
note PASS
