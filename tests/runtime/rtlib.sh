# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# rtlib.sh: what the uidmapfs-runtime tests share, on top of
# tests/integration/lib.sh: a private mount namespace for the whole test,
# a busybox rootfs, and the wrapper's own configuration and state under
# the test's work directory.  The K8s-shaped OCI bundles (write_bundle)
# come from lib.sh: tests/integration/crun-e2e.sh writes them too.
#
# Environment (set by meson): RUNTIME_WRAPPER (uidmapfs-runtime), UIDMAPFS,
# POD, IDMOUNT, FSOP, ROOTSQUASH.

# shellcheck source=../integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

HOSTMAP=524288
RUN_TIMEOUT=60

# Re-run the calling script in a private mount namespace, as on a node
# where the runtime is called from one namespace: crun 1.8 refuses this
# machine's hybrid cgroup layout, so cgroup v1's "unified" mount goes, and
# "/" is made rshared again inside as on a systemd host.
rt_enter_namespace() {
	if [ -z "${RT_IN_NAMESPACE:-}" ]; then
		require_root_and_fuse
		command -v unshare >/dev/null || fail "unshare is not installed (util-linux)"
		RT_IN_NAMESPACE=1 exec unshare -m --propagation private -- "$0" "$@"
	fi
	if mountpoint -q /sys/fs/cgroup/unified; then
		umount /sys/fs/cgroup/unified || fail "cannot unmount /sys/fs/cgroup/unified"
	fi
	mount --make-rshared / || fail "cannot make / rshared"
}

# The tools every runtime test needs, and a work directory with the
# wrapper's configuration ($RT_CONF), state ($RT_STATE), crun's state
# ($CRUN_ROOT) and a busybox rootfs ($ROOTFS).
rt_setup() {
	require_machine
	require_helpers UIDMAPFS RUNTIME_WRAPPER
	local tool
	for tool in crun bindfs busybox "$@"; do
		command -v "$tool" >/dev/null ||
			fail "$tool is not installed (Debian packages: crun bindfs busybox-static)"
	done
	make_workdir
	RT_STATE=$WORKDIR/state
	RT_CONF=$WORKDIR/runtime.conf
	CRUN_ROOT=$WORKDIR/crun
	cat >"$RT_CONF" <<CONF
# uidmapfs-runtime, as the tests run it
runtime = $(command -v crun)
uidmapfs = $UIDMAPFS
state-dir = $RT_STATE
CONF
	ROOTFS=$WORKDIR/rootfs
	mkdir -p "$ROOTFS"/{bin,proc,dev,tmp,vol,etc}
	# Mount points for file bind mounts: the rootfs is read-only.
	touch "$ROOTFS/etc/hosts" "$ROOTFS/one"
	cp "$(command -v busybox)" "$ROOTFS/bin/busybox"
	local applet
	for applet in sh id ls touch chown stat cat echo sleep; do
		ln -s busybox "$ROOTFS/bin/$applet"
	done
	trap 'rt_cleanup' EXIT
}

# Delete every container crun still knows, then lib.sh's cleanup; a daemon
# the wrapper left behind fails the test (they must all be gone by now).
rt_cleanup() {
	local rc=$? id left
	set +e
	if [ -d "${CRUN_ROOT:-/nonexistent}" ]; then
		for id in $(crun --root "$CRUN_ROOT" list -q 2>/dev/null); do
			crun --root "$CRUN_ROOT" delete -f "$id" >/dev/null 2>&1
		done
	fi
	left=$(rt_daemons)
	if [ -n "$left" ]; then
		note "FAIL: uidmapfs daemons left running: $left"
		kill $left 2>/dev/null
		rc=1
	fi
	(exit "$rc")
	cleanup
}

# The pids of uidmapfs daemons the wrapper started for this test.
rt_daemons() {
	{ pgrep -f -- "^$UIDMAPFS .*$RT_STATE/volumes/" || true; } |
		tr '\n' ' ' | sed 's/ $//'
}

# The uidmapfs mounts below this test's state directory.
rt_mounts() {
	findmnt -rn -o TARGET | grep -F -- "$RT_STATE/" || true
}

# Nothing of the wrapper's is left: no daemon, no mount, no volume state.
rt_expect_clean() {
	local what=$1 d m v
	d=$(rt_daemons)
	m=$(rt_mounts)
	v=$(ls -A "$RT_STATE/volumes" 2>/dev/null || true)
	[ -z "$d" ] || fail "$what: uidmapfs daemons left: $d"
	[ -z "$m" ] || fail "$what: mounts left: $m"
	[ -z "$v" ] || fail "$what: volume state left: $v"
	[ -z "$(ls -A "$RT_STATE/containers" 2>/dev/null || true)" ] ||
		fail "$what: container state left: $(ls -A "$RT_STATE/containers")"
}

# The wrapper, as containerd's shim calls a runtime: global options first;
# killed (SIGKILL) 10 s after a timeout's SIGTERM if it still runs.
wrapped() {
	timeout -k 10 "$RUN_TIMEOUT" "$RUNTIME_WRAPPER" --uidmapfs-config "$RT_CONF" \
		--cgroup-manager=disabled --root "$CRUN_ROOT" "$@"
}

# crun itself, the same way.
plain_crun() {
	crun --cgroup-manager=disabled --root "$CRUN_ROOT" "$@"
}

# The volume's content on disk: owners 0 and 1000, a 0600 file of 1000's.
populate() {
	populate_volume "$1"
	echo secret >"$1/private"
	chown 1000:1000 "$1/private"
	chmod 0600 "$1/private"
}

# Wait, bounded, until crun reports container $1 stopped.
wait_stopped() {
	local i
	for ((i = 0; i < 200; i++)); do
		case $(plain_crun state "$1" 2>/dev/null) in
		*'"status": "stopped"'* | *'"status":"stopped"'*) return 0 ;;
		esac
		sleep 0.05
	done
	fail "container $1 did not stop within 10 s"
}
