#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""uidmapfs benchmark driver (run it through run.sh; see README.md here).

Runs the same workloads, in one invocation, over the native directory, the
kernel's ID-mapped bind mount (the reference), uidmapfs (shift mode, shift
mode with long cache timeouts, kernel mode when the daemon has it),
fuse-overlayfs with uidmapping= and bindfs with --uid-offset=, each on a
tmpfs and on an ext4 (loop image) backing, and writes a Markdown report of
medians, ratios to the kernel ID-mapped mount and FUSE daemon CPU time.

Python 3.11 standard library only.  Must run as root.
"""

import argparse
import datetime
import io
import json
import os
import random
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time

MAP = "0:524288:65536"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROG = "bench"
MOUNT_TIMEOUT = 10  # seconds for a FUSE daemon to mount
STEP_TIMEOUT = 900  # seconds any one command may take
EXIT_SKIP = 77  # meson: the machine cannot run this

# ---------------------------------------------------------------- workloads

# id, group, kind, title.  kind: "time" (seconds, lower is better),
# "bw" (bytes/s, higher is better), "iops" (higher is better).
WORKLOADS = [
    ("untar", "tree", "time", "untar the tree"),
    ("find-cold", "tree", "time", "find -printf owners, cold"),
    ("find-warm", "tree", "time", "find -printf owners, warm"),
    ("ls-warm", "tree", "time", "ls -lR, warm"),
    ("rm", "tree", "time", "rm -rf the tree"),
    ("create", "small", "time", "create small files"),
    ("stat", "small", "time", "stat them (warm)"),
    ("unlink", "small", "time", "unlink them"),
    ("seq-write", "fio", "bw", "fio sequential write 1 MiB"),
    ("seq-read", "fio", "bw", "fio sequential read 1 MiB, cold"),
    ("rand-read-cold", "fio", "iops", "fio random read 4 KiB, cold"),
    ("rand-read-warm", "fio", "iops", "fio random read 4 KiB, warm"),
    ("rand-write", "fio", "iops", "fio random write 4 KiB"),
    ("build", "build", "time", "make -j of a generated C project"),
]
WL = {w[0]: w for w in WORKLOADS}
GROUPS = {}
for _w in WORKLOADS:
    GROUPS.setdefault(_w[1], []).append(_w[0])

SIZES = {
    # tree files, small files (count, bytes), fio file, random read and
    # random write volume, C files in the build
    # (random reads from a cold ext4 go to the disk: a smaller volume)
    "full": dict(tree_files=20000, small_files=10000, small_size=1024,
                 fio_size=1024 << 20, rand_read=256 << 20,
                 rand_read_ext4=64 << 20, rand_write=128 << 20,
                 build_files=150, reps=3),
    "quick": dict(tree_files=3000, small_files=2000, small_size=1024,
                  fio_size=128 << 20, rand_read=32 << 20,
                  rand_read_ext4=8 << 20, rand_write=16 << 20,
                  build_files=20, reps=1),
}

# ------------------------------------------------------------------ configs

CONFIGS = {
    # name: (is FUSE, description for the report)
    "native": (False, "the backing directory itself, workloads run as host "
               "root (no ID mapping)"),
    "kernel-idmap": (False, "the kernel's ID-mapped bind mount of the "
                     "backing directory (`idmount --map " + MAP + "`): "
                     "**the reference (1.00)**"),
    "uidmapfs": (True, "uidmapfs shift mode, default options "
                 "(`-o uidmap=" + MAP + ",gidmap=" + MAP + "`; entry/attr "
                 "timeout 1 s, no keep_cache, up to 10 threads, kernel "
                 "passthrough of read/write where the kernel offers it)"),
    "uidmapfs-cached": (True, "uidmapfs shift mode with the README's "
                        "single-writer caching (`entry_timeout=60,"
                        "attr_timeout=60,negative_timeout=10,keep_cache`)"),
    "uidmapfs-nopt": (True, "uidmapfs shift mode without kernel "
                      "passthrough (`-o nopassthrough`): read/write served "
                      "by the daemon (splice); not in the default set"),
    "uidmapfs-st": (True, "uidmapfs shift mode served by a single thread "
                    "(`-s`); not in the default set"),
    "uidmapfs-kernel": (True, "uidmapfs kernel mode (no map, "
                        "FUSE_ALLOW_IDMAP) with the kernel's ID-mapped "
                        "bind mount on top (`idmount --map " + MAP +
                        " MNT MNT2`), workloads on MNT2"),
    "fuse-overlayfs": (True, "fuse-overlayfs `-o lowerdir=EMPTY,"
                       "upperdir=SOURCE,workdir=WORK,uidmapping=" + MAP +
                       ",gidmapping=" + MAP + "`: SOURCE is the upper "
                       "layer, so every file lives in the one directory "
                       "and nothing is copied up (default: multi-threaded)"),
    "bindfs": (True, "bindfs `--uid-offset=524288 --gid-offset=524288` "
               "(default: single-threaded)"),
}
CONFIG_ORDER = list(CONFIGS)
DEFAULT_CONFIGS = [c for c in CONFIG_ORDER
                   if c not in ("uidmapfs-nopt", "uidmapfs-st")]
REFERENCE = "kernel-idmap"

# Debian packages for the tools a run needs.
TOOLS = {
    "fio": "fio",
    "bindfs": "bindfs",
    "fuse-overlayfs": "fuse-overlayfs",
    "tar": "tar",
    "make": "make",
    "cc": "gcc",
    "find": "findutils",
    "mkfs.ext4": "e2fsprogs",
    "umount": "mount",
}


def note(msg):
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


class Fatal(Exception):
    pass


# ----------------------------------------------------------- process helpers

class Runner:
    """Every child runs in its own session so that a timeout or Ctrl-C
    kills exactly the process group we started."""

    def __init__(self):
        self.current = None

    def run(self, argv, timeout=STEP_TIMEOUT, check=True, stdin=None,
            capture=True):
        p = subprocess.Popen(argv, stdin=stdin or subprocess.DEVNULL,
                             stdout=subprocess.PIPE if capture else None,
                             stderr=subprocess.PIPE if capture else None,
                             start_new_session=True, text=True)
        self.current = p
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_current()
            p.communicate()
            raise Fatal(f"timed out after {timeout} s: {shlex.join(argv)}")
        finally:
            self.current = None
        if check and p.returncode != 0:
            raise Fatal(f"exit {p.returncode}: {shlex.join(argv)}\n"
                        f"{(err or '').strip()}")
        return p.returncode, out or "", err or ""

    def kill_current(self):
        p = self.current
        if p and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


RUN = Runner()


def alive(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("State:"):
                    return line.split()[1] != "Z"
    except OSError:
        return False
    return False


def cpu_ticks(pid):
    """user+sys clock ticks of all threads of pid, living and dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


def raise_nofile():
    """Run in each FUSE daemon before exec: the open-file limit a service
    manager would give it (LimitNOFILE=), as high as we may.  uidmapfs
    sizes its inode fd cache from it.  Raising the hard limit needs
    CAP_SYS_RESOURCE; without it the soft limit goes up to the hard one."""
    with open("/proc/sys/fs/nr_open") as f:
        n = int(f.read())
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def daemon_nofile():
    """The open-file limit raise_nofile() will give a daemon."""
    with open("/proc/sys/fs/nr_open") as f:
        n = int(f.read())
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                if int(line.split()[1], 16) & (1 << 24):  # SYS_RESOURCE
                    return n
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def cpu_busy():
    """Busy CPU seconds of the whole machine so far."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / \
        os.sysconf("SC_CLK_TCK")


def cpu_ours():
    """CPU seconds of this process and every child it has waited for."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def mounts():
    """{mountpoint: fstype} from /proc/self/mountinfo."""
    res = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            mp = left.split()[4].encode().decode("unicode_escape")
            res[mp] = right.split()[0]
    return res


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    # Let FUSE daemons answer the FORGETs this sends before we measure.
    time.sleep(0.3)


def read_file(path):
    """Bring a file into the page cache (drop_caches evicts our inputs
    too, and reading them back from disk is no part of a workload)."""
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


# ------------------------------------------------------------ mount manager

class Mounts:
    """What we mounted and started, torn down in reverse in any case."""

    def __init__(self):
        self.mounts = []  # mountpoints
        self.daemons = []  # (Popen, name, log path)

    def add_mount(self, mp):
        self.mounts.append(mp)

    def start_daemon(self, name, argv, mnt, log):
        logf = open(log, "w")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                             stderr=subprocess.STDOUT,
                             start_new_session=True,
                             preexec_fn=raise_nofile)
        logf.close()
        self.daemons.append((p, name, log))
        self.mounts.append(mnt)
        deadline = time.monotonic() + MOUNT_TIMEOUT
        while time.monotonic() < deadline:
            if p.poll() is not None:
                with open(log) as f:
                    out = f.read().strip()
                raise DaemonFailed(f"{name} exited with status "
                                   f"{p.returncode} before mounting: {out}")
            if mounts().get(mnt, "").startswith("fuse"):
                return p
            time.sleep(0.02)
        raise Fatal(f"{name} did not mount {mnt} within {MOUNT_TIMEOUT} s")

    def umount(self, mp):
        if mp not in mounts():
            return
        try:
            RUN.run(["umount", mp], timeout=10)
        except Fatal as e:
            note(f"umount {mp}: {e}; detaching lazily")
            subprocess.run(["umount", "-l", mp], check=False)

    def stop_daemon(self, p, name):
        for _ in range(50):
            if p.poll() is not None:
                return p.returncode
            time.sleep(0.1)
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        note(f"{name} (pid {p.pid}) had to be killed after unmounting")
        return p.returncode

    def teardown(self, upto=0):
        """Unmount and stop everything registered after index upto of
        mounts (all by default)."""
        while len(self.mounts) > upto:
            self.umount(self.mounts.pop())
        for p, name, log in self.daemons:
            if p.returncode is None:
                rc = self.stop_daemon(p, name)
                if rc not in (0, None):
                    note(f"{name} (pid {p.pid}) exited with status {rc}; "
                         f"log {log}")
        self.daemons = [d for d in self.daemons if d[0].returncode is None]


class DaemonFailed(Exception):
    pass


# ------------------------------------------------------------- input data

def gen_tree_tar(path, nfiles):
    """A deterministic tree: 10 x 10 x K directories, 20 files and one
    symlink in each leaf, sizes skewed small as in a source tree, owners
    0:0 and 1000:1000.  Returns {"uid:gid": count} of all members."""
    rnd = random.Random(20240601)
    block = bytes(rnd.randrange(32, 127) for _ in range(1 << 17))
    leaves_per_l2 = max(1, -(-nfiles // 2000))
    owners = {}
    mtime = 1700000000

    def add(tf, ti, data=None):
        ti.mtime = mtime
        ti.uname = ti.gname = ""
        owners_key = f"{ti.uid}:{ti.gid}"
        owners[owners_key] = owners.get(owners_key, 0) + 1
        tf.addfile(ti, io.BytesIO(data) if data is not None else None)

    def dinfo(name, uid):
        ti = tarfile.TarInfo(name)
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o755
        ti.uid = ti.gid = uid
        return ti

    n = 0
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        for a in range(10):
            uid = 1000 if a % 2 else 0
            add(tf, dinfo(f"pkg{a:02d}", uid))
            for b in range(10):
                add(tf, dinfo(f"pkg{a:02d}/mod{b:02d}", uid))
                for c in range(leaves_per_l2):
                    d = f"pkg{a:02d}/mod{b:02d}/dir{c:03d}"
                    add(tf, dinfo(d, uid))
                    for i in range(20):
                        if n >= nfiles:
                            break
                        r = rnd.random()
                        if r < 0.45:
                            size = rnd.randrange(0, 1024)
                        elif r < 0.80:
                            size = rnd.randrange(1024, 4096)
                        elif r < 0.95:
                            size = rnd.randrange(4096, 16384)
                        else:
                            size = rnd.randrange(16384, 65536)
                        off = rnd.randrange(0, len(block) - size + 1)
                        ti = tarfile.TarInfo(f"{d}/file{i:02d}.c")
                        ti.size = size
                        ti.mode = 0o755 if i == 0 else 0o644
                        ti.uid = ti.gid = uid
                        add(tf, ti, block[off:off + size])
                        n += 1
                    ti = tarfile.TarInfo(f"{d}/link")
                    ti.type = tarfile.SYMTYPE
                    ti.linkname = "file00.c"
                    ti.mode = 0o777
                    ti.uid = ti.gid = uid
                    add(tf, ti)
    return owners


def gen_project_tar(path, nfiles):
    """A generated C project: nfiles translation units of a few dozen
    functions each, one shared header, a Makefile."""
    files = {}
    files["include/common.h"] = (
        "#ifndef COMMON_H\n#define COMMON_H\n#include <stddef.h>\n"
        "struct acc { unsigned long v[8]; };\n"
        "static inline unsigned long mix(unsigned long a, unsigned long b)\n"
        "{ return (a * 6364136223846793005UL) ^ (b + (a >> 7)); }\n" +
        "".join(f"unsigned long unit{i}(unsigned long x);\n"
                for i in range(nfiles)) + "#endif\n")
    for i in range(nfiles):
        body = ['#include <string.h>\n#include <stdio.h>\n'
                '#include "common.h"\n']
        for j in range(24):
            body.append(
                f"static unsigned long f{j}(unsigned long x)\n{{\n"
                f"\tstruct acc a;\n\tmemset(&a, 0, sizeof(a));\n"
                f"\tfor (int k = 0; k < {j % 5 + 3}; k++)\n"
                f"\t\ta.v[k & 7] = mix(a.v[(k + 1) & 7], x + {i * 31 + j});\n"
                f"\treturn a.v[{j % 8}] ^ x;\n}}\n")
        body.append(f"unsigned long unit{i}(unsigned long x)\n{{\n" +
                    "".join(f"\tx = f{j}(x);\n" for j in range(24)) +
                    "\treturn x;\n}\n")
        files[f"src/unit{i:03d}.c"] = "".join(body)
    files["src/main.c"] = (
        '#include <stdio.h>\n#include "common.h"\nint main(void)\n{\n'
        "\tunsigned long x = 1;\n" +
        "".join(f"\tx = unit{i}(x);\n" for i in range(nfiles)) +
        '\tprintf("%lu\\n", x);\n\treturn 0;\n}\n')
    files["Makefile"] = (
        "CFLAGS = -O1 -pipe -Iinclude\n"
        "SRCS = $(wildcard src/*.c)\n"
        "OBJS = $(SRCS:src/%.c=obj/%.o)\n"
        "prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n"
        "obj/%.o: src/%.c include/common.h | obj\n"
        "\t$(CC) $(CFLAGS) -c -o $@ $<\n"
        "obj:\n\tmkdir -p obj\n")
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        for d in ("include", "src"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = 1700000000
            tf.addfile(ti)
        for name in sorted(files):
            data = files[name].encode()
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = 0o644
            ti.mtime = 1700000000
            tf.addfile(ti, io.BytesIO(data))


# ------------------------------------------------------------------- bench

class Bench:
    def __init__(self, args):
        self.args = args
        self.mode = "quick" if args.quick else "full"
        self.sz = dict(SIZES[self.mode])
        if args.reps:
            self.sz["reps"] = args.reps
        self.m = Mounts()
        self.work = None
        # results[backing][config][workload] = [(value, cpu_seconds|None)]
        self.results = {}
        self.unavailable = {}  # (backing, config) -> reason
        self.owner_check = {}  # (backing, config) -> text
        self.requests = {}  # workload -> {opcode: count}
        self.req_log = None  # (path) while counting requests
        self.clk = os.sysconf("SC_CLK_TCK")

    # ---- set-up

    def find_binaries(self):
        b = self.args.build
        self.uidmapfs = os.path.join(b, "fuse", "uidmapfs")
        self.pod = os.path.join(b, "tests", "integration", "pod")
        self.idmount = os.path.join(b, "tests", "integration", "idmount")
        for p in (self.uidmapfs, self.pod, self.idmount):
            if not os.access(p, os.X_OK):
                raise Fatal(f"{p} is missing: build first "
                            f"(meson setup build && ninja -C build), or "
                            f"pass --build DIR")
        bt = os.path.join(b, "tests", "bench", "benchtool")
        if not os.access(bt, os.X_OK):
            bt = os.path.join(self.work, "benchtool")
            RUN.run(["cc", "-O2", "-o", bt,
                     os.path.join(HERE, "benchtool.c")])
        self.benchtool = bt

    def check_tools(self):
        need = ["tar", "find", "umount"]
        if "ext4" in self.backings:
            need.append("mkfs.ext4")
        if any(w in self.workloads for w in GROUPS["fio"]):
            need.append("fio")
        if "build" in self.workloads:
            need += ["make", "cc"]
        for c in ("bindfs", "fuse-overlayfs"):
            if c in self.configs:
                need.append(c)
        if not os.access(os.path.join(self.args.build, "tests", "bench",
                                      "benchtool"), os.X_OK):
            need.append("cc")
        missing = sorted({TOOLS[t] for t in need if not shutil.which(t)})
        if not missing:
            return
        cmd = ["apt-get", "install", "-y"] + missing
        if not self.args.install_deps:
            raise Fatal("missing Debian packages: " + " ".join(missing) +
                        f"\n  install them with: {shlex.join(cmd)}\n"
                        "  (or run again with --install-deps)")
        note("installing " + " ".join(missing))
        if subprocess.run(cmd).returncode != 0:
            subprocess.run(["apt-get", "update"], check=False)
            if subprocess.run(cmd).returncode != 0:
                raise Fatal("apt-get install failed")

    def prepare_data(self):
        data = os.path.join(self.work, "data")
        os.makedirs(data)
        os.chmod(data, 0o755)
        self.tree_tar = os.path.join(data, "tree.tar")
        self.proj_tar = os.path.join(data, "proj.tar")
        # The tree is never shrunk to fit the daemons' open-file limit:
        # uidmapfs keeps at most 7/8 of its limit in inode fds (file
        # handles for the rest), whatever the tree.
        self.nofile = daemon_nofile()
        self.tree_note = ""
        note(f"generating a {self.sz['tree_files']}-file tree and a "
             f"{self.sz['build_files']}-file C project")
        self.tree_owners = gen_tree_tar(self.tree_tar, self.sz["tree_files"])
        gen_project_tar(self.proj_tar, self.sz["build_files"])
        for p in (self.tree_tar, self.proj_tar):
            os.chmod(p, 0o644)
        st = os.stat(self.tree_tar)
        self.tree_bytes = st.st_size

    def mount_backing(self, kind, name=None):
        path = os.path.join(self.work, "back-" + (name or kind))
        os.makedirs(path)
        if kind == "tmpfs":
            size = max(2 << 30, 3 * self.sz["fio_size"] + (1 << 30))
            RUN.run(["mount", "-t", "tmpfs", "-o",
                     f"mode=0755,size={size}", "uidmapfs-bench", path])
        else:
            img = os.path.join(self.work, "ext4.img")
            size = max(4 << 30, 3 * self.sz["fio_size"] + (2 << 30))
            with open(img, "wb") as f:
                f.truncate(size)
            # Initialise inode tables and journal now, not in the
            # background during the measurements.
            RUN.run(["mkfs.ext4", "-q", "-F", "-E",
                     "lazy_itable_init=0,lazy_journal_init=0", img])
            RUN.run(["mount", "-o", "loop", img, path])
            os.chmod(path, 0o755)
        self.m.add_mount(path)
        return path

    def setup_config(self, cfg, back, kind):
        """Mount cfg over a fresh source directory of backing back.
        Returns (path to run the workloads in, daemon pids, source dir)."""
        base = os.path.join(back, cfg)
        src = os.path.join(base, "src")
        os.makedirs(src)
        os.chmod(base, 0o755)
        os.chmod(src, 0o755)
        mnt = os.path.join(self.work, "mnt", f"{kind}-{cfg}")
        os.makedirs(mnt)
        log = os.path.join(self.work, "logs", f"{kind}-{cfg}.log")
        maps = f"uidmap={MAP},gidmap={MAP}"
        if cfg == "native":
            return src, [], src
        if cfg == "kernel-idmap":
            RUN.run([self.idmount, "--map", MAP, src, mnt])
            self.m.add_mount(mnt)
            return mnt, [], src
        if cfg == "uidmapfs":
            p = self.m.start_daemon(cfg, [self.uidmapfs, src, mnt, "-f",
                                          "-o", maps], mnt, log)
            return mnt, [p.pid], src
        if cfg == "uidmapfs-cached":
            p = self.m.start_daemon(cfg, [
                self.uidmapfs, src, mnt, "-f", "-o", maps +
                ",entry_timeout=60,attr_timeout=60,negative_timeout=10,"
                "keep_cache"], mnt, log)
            return mnt, [p.pid], src
        if cfg == "uidmapfs-nopt":
            p = self.m.start_daemon(cfg, [self.uidmapfs, src, mnt, "-f",
                                          "-o", maps + ",nopassthrough"],
                                    mnt, log)
            return mnt, [p.pid], src
        if cfg == "uidmapfs-st":
            p = self.m.start_daemon(cfg, [self.uidmapfs, src, mnt, "-f",
                                          "-s", "-o", maps], mnt, log)
            return mnt, [p.pid], src
        if cfg == "uidmapfs-kernel":
            lower = mnt + "-fuse"
            os.makedirs(lower)
            p = self.m.start_daemon(cfg, [self.uidmapfs, src, lower, "-f"],
                                    lower, log)
            rc, _, err = RUN.run([self.idmount, "--map", MAP, lower, mnt],
                                 check=False)
            if rc != 0:
                raise DaemonFailed("the kernel refused an ID-mapped mount "
                                   "of the uidmapfs mount: " + err.strip())
            self.m.add_mount(mnt)
            return mnt, [p.pid], src
        if cfg == "fuse-overlayfs":
            lower = os.path.join(base, "lower")
            wd = os.path.join(base, "work")
            os.makedirs(lower)
            os.makedirs(wd)
            p = self.m.start_daemon(cfg, [
                "fuse-overlayfs", "-f", "-o",
                f"lowerdir={lower},upperdir={src},workdir={wd},"
                f"uidmapping={MAP},gidmapping={MAP},allow_other", mnt],
                mnt, log)
            return mnt, [p.pid], src
        if cfg == "bindfs":
            p = self.m.start_daemon(cfg, [
                "bindfs", "-f", "--uid-offset=524288",
                "--gid-offset=524288", src, mnt], mnt, log)
            return mnt, [p.pid], src
        raise Fatal(f"unknown config {cfg}")

    # ---- running commands as the workload's actor

    def actor(self, cfg):
        return [] if cfg == "native" else [self.pod, "--map", MAP, "--"]

    def act(self, cfg, argv, **kw):
        return RUN.run(self.actor(cfg) + argv, **kw)

    def cpu(self, pids):
        if not pids:
            return None
        t = [cpu_ticks(p) for p in pids]
        return None if None in t else sum(t)

    def req_offset(self):
        return os.path.getsize(self.req_log) if self.req_log else 0

    def count_requests(self, wl, start):
        if not self.req_log:
            return
        counts = {}
        with open(self.req_log, "rb") as f:
            f.seek(start)
            for m in re.finditer(rb"opcode: (\w+)", f.read()):
                op = m.group(1).decode()
                counts[op] = counts.get(op, 0) + 1
        self.requests[wl] = counts

    def record(self, st, wl, value, cpu):
        st["res"].setdefault(wl, []).append((value, cpu))
        kind = WL[wl][2]
        shown = (f"{value:.3f} s" if kind == "time" else
                 f"{value / 2**20:.0f} MiB/s" if kind == "bw" else
                 f"{value:.0f} IOPS")
        extra = f", daemon cpu {cpu:.2f} s" if cpu is not None else ""
        note(f"  {st['cfg']:>16} {wl:<15} {shown}{extra}")

    def timed(self, st, wl, argv, cold=False, out="/dev/null"):
        """Run argv as the actor of st, timed by benchtool inside it."""
        os.sync()
        if cold:
            drop_caches()
        c0 = self.cpu(st["pids"])
        r0 = self.req_offset()
        _, o, _ = self.act(st["cfg"], [self.benchtool, "time", out, "--"] +
                           argv)
        c1 = self.cpu(st["pids"])
        self.count_requests(wl, r0)
        m = re.search(r"elapsed ([0-9.]+)", o)
        cpu = (c1 - c0) / self.clk if c0 is not None and c1 is not None \
            else None
        self.record(st, wl, float(m.group(1)), cpu)

    def timed_tool(self, st, wl, argv):
        """benchtool create/stat/unlink time themselves."""
        os.sync()
        c0 = self.cpu(st["pids"])
        r0 = self.req_offset()
        _, o, _ = self.act(st["cfg"], [self.benchtool] + argv)
        c1 = self.cpu(st["pids"])
        self.count_requests(wl, r0)
        m = re.search(r"elapsed ([0-9.]+)", o)
        cpu = (c1 - c0) / self.clk if c0 is not None and c1 is not None \
            else None
        self.record(st, wl, float(m.group(1)), cpu)

    def fio(self, st, wl, path, rw, bs, io_size=None, cold=False,
            timed=True):
        argv = ["fio", f"--name={wl}", f"--filename={path}", f"--rw={rw}",
                f"--bs={bs}", f"--size={self.sz['fio_size']}",
                "--ioengine=psync", "--fallocate=none", "--invalidate=0",
                "--randrepeat=1", "--output-format=json"]
        if io_size:
            argv.append(f"--io_size={io_size}")
        os.sync()
        if cold:
            drop_caches()
        c0 = self.cpu(st["pids"])
        r0 = self.req_offset()
        _, o, _ = self.act(st["cfg"], argv)
        c1 = self.cpu(st["pids"])
        if not timed:
            return
        self.count_requests(wl, r0)
        job = json.loads(o[o.index("{"):])["jobs"][0]
        if job.get("error"):
            raise Fatal(f"fio {wl} on {st['cfg']}: error {job['error']}")
        d = job["write" if "write" in rw else "read"]
        value = d["bw_bytes"] if WL[wl][2] == "bw" else d["iops"]
        cpu = (c1 - c0) / self.clk if c0 is not None and c1 is not None \
            else None
        self.record(st, wl, value, cpu)

    # ---- the workloads, by group

    def sel(self, wl):
        return wl in self.workloads

    def run_tree(self, st, run, first):
        tree = os.path.join(run, "tree")
        self.act(st["cfg"], ["mkdir", tree])
        untar = ["tar", "-xf", self.tree_tar, "-C", tree]
        read_file(self.tree_tar)
        if self.sel("untar"):
            self.timed(st, "untar", untar)
        else:
            self.act(st["cfg"], untar)
        if first and st["kind"] != "requests":
            self.check_owners(st, tree)
        fnd = ["find", tree, "-printf", "%U %G %s\n"]
        if self.sel("find-cold"):
            self.timed(st, "find-cold", fnd, cold=True)
        if self.sel("find-warm"):
            self.act(st["cfg"], fnd)  # warm the caches if cold was skipped
            self.timed(st, "find-warm", fnd)
        if self.sel("ls-warm"):
            self.act(st["cfg"], ["ls", "-lR", tree])
            self.timed(st, "ls-warm", ["ls", "-lR", tree])
        if self.sel("rm"):
            self.timed(st, "rm", ["rm", "-rf", tree])

    def check_owners(self, st, tree):
        """Owners as the actor sees them and as stored on disk must both
        be the tarball's (plus the tree's root, made by the actor as 0)."""
        want = dict(self.tree_owners)
        want["0:0"] = want.get("0:0", 0) + 1

        def count(text):
            c = {}
            for line in text.split():
                c[line] = c.get(line, 0) + 1
            return c
        _, seen, _ = self.act(st["cfg"], ["find", tree, "-printf",
                                          "%U:%G\n"])
        disk_tree = os.path.join(st["src"], os.path.relpath(
            tree, st["path"]))
        # fuse-overlayfs marks each directory it creates opaque with
        # .wh..wh..opq (and .wh..opq) entries: not part of the tree.
        _, disk, _ = RUN.run(["find", disk_tree, "-not", "-name", ".wh.*",
                              "-printf", "%U:%G\n"])
        seen, disk = count(seen), count(disk)
        fmt = ", ".join(f"{k} x{v}" for k, v in sorted(want.items()))
        if seen == want and disk == want:
            text = f"ok (seen and on disk: {fmt})"
        else:
            text = (f"WRONG: expected {fmt}; seen "
                    f"{sorted(seen.items())}; on disk {sorted(disk.items())}")
            note(f"{st['cfg']} on {st['kind']}: owners {text}")
        self.owner_check[(st["kind"], st["cfg"])] = text

    def run_small(self, st, run):
        d = os.path.join(run, "small")
        n = str(self.sz["small_files"])
        create = ["create", d, n, str(self.sz["small_size"])]
        if self.sel("create"):
            self.timed_tool(st, "create", create)
        else:
            self.act(st["cfg"], [self.benchtool] + create)
        if self.sel("stat"):
            self.timed_tool(st, "stat", ["stat", d, n])
        if self.sel("unlink"):
            self.timed_tool(st, "unlink", ["unlink", d, n])
        else:
            self.act(st["cfg"], ["rm", "-rf", d])

    def rand_read(self, st):
        return self.sz["rand_read_ext4" if st["kind"] == "ext4" else
                       "rand_read"]

    def run_fio(self, st, run):
        f = os.path.join(run, "fio.dat")
        self.fio(st, "seq-write", f, "write", "1M",
                 timed=self.sel("seq-write"))
        if self.sel("seq-read"):
            self.fio(st, "seq-read", f, "read", "1M", cold=True)
        if self.sel("rand-read-cold") or self.sel("rand-read-warm"):
            self.fio(st, "rand-read-cold", f, "randread", "4k",
                     io_size=self.rand_read(st), cold=True,
                     timed=self.sel("rand-read-cold"))
        if self.sel("rand-read-warm"):
            self.fio(st, "rand-read-warm", f, "randread", "4k",
                     io_size=self.rand_read(st))
        if self.sel("rand-write"):
            self.fio(st, "rand-write", f, "randwrite", "4k",
                     io_size=self.sz["rand_write"])
        self.act(st["cfg"], ["rm", "-f", f])

    def run_build(self, st, run):
        d = os.path.join(run, "proj")
        self.act(st["cfg"], ["mkdir", d])
        self.act(st["cfg"], ["tar", "-xf", self.proj_tar, "-C", d])
        # The compiler and system headers back in the page cache.
        RUN.run(["sh", "-c", "printf '#include <stdio.h>\\n#include "
                 "<string.h>\\nint x;\\n' | cc -O1 -pipe -x c -c "
                 "-o /dev/null - && make --version"])
        self.timed(st, "build", ["make", "-C", d, "-s",
                                 f"-j{os.cpu_count() or 1}"])
        self.act(st["cfg"], ["rm", "-rf", d])

    def run_all(self, st, rep):
        run = os.path.join(st["path"], f"run{rep}")
        self.act(st["cfg"], ["mkdir", run])
        if any(self.sel(w) for w in GROUPS["tree"]):
            self.run_tree(st, run, first=rep == 0)
        if any(self.sel(w) for w in GROUPS["small"]):
            self.run_small(st, run)
        if any(self.sel(w) for w in GROUPS["fio"]):
            self.run_fio(st, run)
        if self.sel("build"):
            self.run_build(st, run)
        self.act(st["cfg"], ["rm", "-rf", run])

    # ---- the whole run

    def run_backing(self, kind):
        note(f"=== {kind} backing")
        mark = len(self.m.mounts)
        back = self.mount_backing(kind)
        states = {}
        for cfg in self.configs:
            try:
                path, pids, src = self.setup_config(cfg, back, kind)
            except DaemonFailed as e:
                reason = str(e).splitlines()[0] if str(e) else "failed"
                self.unavailable[(kind, cfg)] = reason
                note(f"{cfg}: not available: {reason}")
                continue
            states[cfg] = dict(cfg=cfg, kind=kind, path=path, pids=pids,
                               src=src, res={})
        order = [c for c in self.configs if c in states]
        for rep in range(self.sz["reps"]):
            # Round-robin, rotated each repetition so no configuration
            # always runs first (or right after the same neighbour).
            k = rep % len(order)
            for cfg in order[k:] + order[:k]:
                note(f"--- {kind} rep {rep + 1}/{self.sz['reps']}: {cfg}")
                self.run_all(states[cfg], rep)
        self.results[kind] = {c: s["res"] for c, s in states.items()}
        self.m.teardown(mark)

    def run_request_counts(self):
        """One extra untimed pass over uidmapfs (shift, tmpfs) with -d,
        counting the FUSE requests of each workload from its log."""
        note("=== FUSE request counts (uidmapfs -d, tmpfs, untimed)")
        mark = len(self.m.mounts)
        back = self.mount_backing("tmpfs", "requests")
        src = os.path.join(back, "req", "src")
        os.makedirs(src)
        os.chmod(os.path.dirname(src), 0o755)
        os.chmod(src, 0o755)
        mnt = os.path.join(self.work, "mnt", "requests")
        os.makedirs(mnt)
        log = os.path.join(self.work, "logs", "requests.log")
        self.m.start_daemon("uidmapfs -d", [
            self.uidmapfs, src, mnt, "-d", "-o",
            f"uidmap={MAP},gidmap={MAP}" +
            (f",{self.args.request_opts}" if self.args.request_opts
             else "")], mnt, log)
        self.req_log = log
        st = dict(cfg="uidmapfs", kind="requests", path=mnt, pids=[],
                  src=src, res={})
        try:
            self.run_all(st, 0)
        finally:
            self.req_log = None
            self.m.teardown(mark)

    def main(self):
        a = self.args
        self.workloads = []
        for w in (a.only.split(",") if a.only else [w[0] for w in
                                                      WORKLOADS]):
            if w in GROUPS:
                self.workloads += GROUPS[w]
            elif w in WL:
                self.workloads.append(w)
            else:
                raise Fatal(f"unknown workload {w} (workloads: "
                            f"{', '.join(WL)}; groups: {', '.join(GROUPS)})")
        cfgs = a.configs.split(",") if a.configs else list(DEFAULT_CONFIGS)
        for c in cfgs:
            if c not in CONFIGS:
                raise Fatal(f"unknown config {c} (configs: "
                            f"{', '.join(CONFIG_ORDER)})")
        if REFERENCE not in cfgs:
            note(f"adding {REFERENCE}: ratios are relative to it")
            cfgs.append(REFERENCE)
        self.configs = [c for c in CONFIG_ORDER if c in cfgs]
        self.backings = a.backings.split(",")
        for b in self.backings:
            if b not in ("tmpfs", "ext4"):
                raise Fatal(f"unknown backing {b} (tmpfs, ext4)")

        if os.geteuid() != 0:
            note("SKIP: must run as root (mounts, drop_caches, pods)")
            return EXIT_SKIP
        if not os.path.exists("/dev/fuse"):
            note("SKIP: no /dev/fuse")
            return EXIT_SKIP
        self.check_tools()
        t0 = time.monotonic()
        busy0, ours0 = cpu_busy(), cpu_ours()
        self.work = tempfile.mkdtemp(prefix="uidmapfs-bench.", dir="/tmp")
        os.chmod(self.work, 0o755)
        for d in ("mnt", "logs"):
            os.makedirs(os.path.join(self.work, d))
        os.chmod(os.path.join(self.work, "mnt"), 0o755)
        self.find_binaries()
        if RUN.run([self.pod, "--map", MAP, "--", "true"],
                   check=False)[0] != 0:
            note("SKIP: cannot create user namespaces")
            return EXIT_SKIP
        self.prepare_data()
        for kind in self.backings:
            self.run_backing(kind)
        if a.request_counts:
            self.run_request_counts()
        self.m.teardown(0)  # reap every daemon: their CPU is ours
        self.elapsed = time.monotonic() - t0
        self.foreign = (cpu_busy() - busy0) - (cpu_ours() - ours0)
        report = Report(self).render()
        out = a.out
        with open(out, "w") as f:
            f.write(report)
        with open(os.path.splitext(out)[0] + ".json", "w") as f:
            json.dump(self.raw(), f, indent=1)
        sys.stdout.write(report)
        note(f"report written to {out} (raw data: "
             f"{os.path.splitext(out)[0] + '.json'}); "
             f"{self.elapsed / 60:.1f} min")
        return 0

    def raw(self):
        return {
            "sizes": self.sz, "configs": self.configs,
            "workloads": self.workloads,
            "results": self.results,
            "unavailable": {f"{k[0]}/{k[1]}": v
                            for k, v in self.unavailable.items()},
            "owners": {f"{k[0]}/{k[1]}": v
                       for k, v in self.owner_check.items()},
            "requests": self.requests,
        }

    def cleanup(self):
        RUN.kill_current()
        try:
            self.m.teardown(0)
        finally:
            if not self.work:
                return
            left = [mp for mp in mounts() if mp.startswith(self.work + "/")]
            if left:
                note("still mounted, keeping " + self.work + ": " +
                     " ".join(left))
            elif self.args.keep_workdir:
                note(f"kept {self.work}")
            else:
                shutil.rmtree(self.work, ignore_errors=True)


# ------------------------------------------------------------------ report

def cmd_out(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine():
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    first = (lambda s: s.splitlines()[0] if s else "unknown")

    def deb(pkg):
        return cmd_out(["dpkg-query", "-W", "-f", "${Version}", pkg]) or \
            "not installed"
    return [
        ("date", datetime.datetime.now().astimezone().strftime(
            "%Y-%m-%d %H:%M %Z")),
        ("CPU", f"{os.cpu_count()} x {model}"),
        ("memory", f"{mem} MiB"),
        ("kernel", os.uname().release),
        ("distribution", first(cmd_out(["sh", "-c",
                                        ". /etc/os-release && echo "
                                        "$PRETTY_NAME"]))),
        ("libfuse", deb("libfuse3-3")),
        ("bindfs", deb("bindfs")),
        ("fuse-overlayfs", deb("fuse-overlayfs")),
        ("fio", deb("fio")),
        ("gcc", first(cmd_out(["gcc", "--version"]))),
    ]


def fmt_value(kind, v):
    if v is None:
        return "–"
    if kind == "time":
        return f"{v:.3f} s" if v < 10 else f"{v:.2f} s"
    if kind == "bw":
        return f"{v / 2**20:.0f} MiB/s"
    return f"{v / 1000:.1f} k IOPS"


class Report:
    def __init__(self, b):
        self.b = b

    def med(self, kind, cfg, wl):
        r = self.b.results.get(kind, {}).get(cfg, {}).get(wl)
        return statistics.median(v for v, _ in r) if r else None

    def spread(self, kind, cfg, wl):
        r = self.b.results.get(kind, {}).get(cfg, {}).get(wl)
        if not r or len(r) < 2:
            return 0
        vals = [v for v, _ in r]
        m = statistics.median(vals)
        return (max(vals) - min(vals)) / m if m else 0

    def cpu(self, kind, cfg, wl):
        r = self.b.results.get(kind, {}).get(cfg, {}).get(wl)
        c = [c for _, c in r or [] if c is not None]
        return statistics.median(c) if c else None

    def ratio(self, kind, cfg, wl):
        """time: t/t_ref (lower is better); bw/iops: v/v_ref (higher)."""
        v, ref = self.med(kind, cfg, wl), self.med(kind, REFERENCE, wl)
        if v is None or not ref or not v:
            return None
        return v / ref

    def speed(self, kind, cfg, wl):
        """Relative speed, higher is better, whatever the metric."""
        r = self.ratio(kind, cfg, wl)
        if r is None:
            return None
        return 1 / r if WL[wl][2] == "time" else r

    def cols(self, kind):
        return [c for c in self.b.configs]

    def cell_na(self, kind, cfg):
        reason = self.b.unavailable.get((kind, cfg))
        return "n/a" if reason else None

    def render(self):
        b = self.b
        o = []
        w = o.append
        w("# uidmapfs benchmark report\n")
        w(f"Command: `{b.args.command}`  ")
        w(f"Mode: {b.mode}, {b.sz['reps']} repetition(s), configurations "
          f"round-robin (order rotated each repetition); medians. Total "
          f"run time {b.elapsed / 60:.1f} min.\n")
        w("| machine | |\n|---|---|")
        for k, v in machine():
            w(f"| {k} | {v} |")
        w(f"| uidmapfs | {cmd_out([b.uidmapfs, '--version'])} |")
        w("")
        s = b.sz
        w("Sizes: tree of "
          f"{s['tree_files']} files ({b.tree_bytes / 2**20:.0f} MiB tar), "
          f"{s['small_files']} small files of {s['small_size']} B, fio file "
          f"{s['fio_size'] >> 20} MiB, random read {s['rand_read'] >> 20} "
          f"MiB ({s['rand_read_ext4'] >> 20} MiB on ext4) and random write {s['rand_write'] >> 20} MiB in 4 KiB "
          f"blocks, build of {s['build_files']} C files with "
          f"`make -j{os.cpu_count()}`. Map {MAP} for every ID-mapped "
          "configuration; their workloads run as root of a pod (a user "
          "namespace with that map), the native directory's as host root.\n")
        share = max(0.0, b.foreign) / b.elapsed
        if share < 0.02:
            w("Other load: none measurable (the machine's busy CPU time "
              "matched what the benchmark's own processes used, within "
              "the tick resolution).\n")
        else:
            w(f"Other load: during the run the machine was busy for "
              f"{b.foreign:.1f} CPU-seconds beyond what the benchmark's "
              f"own processes used ({100 * share:.0f}% of one CPU on "
              "average; kernel threads doing the benchmark's I/O count "
              "here too). A large share means other jobs shared the "
              "machine: FUSE figures (two processes waking each other "
              "per request) move far more with it than kernel ones.\n")
        if b.tree_note:
            w(b.tree_note + "\n")
        w(f"FUSE daemons run with an open-file limit of {b.nofile}.\n")
        w("## Configurations\n")
        w("| config | what |\n|---|---|")
        for c in b.configs:
            why = ""
            nas = sorted({v for (k, cc), v in b.unavailable.items()
                          if cc == c})
            if nas:
                why = " — **not available**: " + "; ".join(nas)
            w(f"| {c} | {CONFIGS[c][1]}{why} |")
        w("")
        w("How to read: *time ratio* = time / time of kernel-idmap (lower "
          "is better, 2.00 = twice as slow); *throughput ratio* = "
          "throughput / throughput of kernel-idmap (higher is better, "
          "0.50 = half the throughput). Cold = `sync; echo 3 > "
          "/proc/sys/vm/drop_caches` first; on tmpfs that drops dentries, "
          "inodes and the FUSE page cache but not the tmpfs pages "
          "themselves, which cannot be dropped. `~` marks a median whose "
          "repetitions spread by more than 20%.\n")
        for kind in b.results:
            self.backing_section(o, kind)
        if "tmpfs" in b.results:
            self.targets(o)
        if b.requests:
            self.requests(o)
        w("## Ownership checks\n")
        w("After the first untar of each configuration: owners (`%U:%G`) "
          "as the workload's actor sees them and as stored on the backing "
          "directory.\n")
        w("| backing | config | result |\n|---|---|---|")
        for (kind, cfg), text in sorted(b.owner_check.items()):
            w(f"| {kind} | {cfg} | {text} |")
        w("")
        return "\n".join(o) + "\n"

    def backing_section(self, o, kind):
        b = self.b
        w = o.append
        cols = self.cols(kind)
        wls = [x for x in b.workloads]
        w(f"## {kind} backing\n")
        w(f"### Ratio to kernel-idmap ({kind})\n")
        w("| workload | metric | " + " | ".join(cols) + " |")
        w("|---|---|" + "---:|" * len(cols))
        for wl in wls:
            k = WL[wl][2]
            metric = ("time ratio, lower is better" if k == "time" else
                      "throughput ratio, higher is better")
            cells = []
            for c in cols:
                r = self.ratio(kind, c, wl)
                cells.append(self.cell_na(kind, c) or
                             ("–" if r is None else f"{r:.2f}"))
            w(f"| {wl} | {metric} | " + " | ".join(cells) + " |")
        w("")
        w(f"### Absolute medians ({kind})\n")
        w("| workload | " + " | ".join(cols) + " |")
        w("|---|" + "---:|" * len(cols))
        for wl in wls:
            k = WL[wl][2]
            cells = []
            for c in cols:
                v = self.med(kind, c, wl)
                cell = self.cell_na(kind, c) or fmt_value(k, v)
                if v is not None and self.spread(kind, c, wl) > 0.2:
                    cell += " ~"
                cells.append(cell)
            w(f"| {wl}: {WL[wl][3]} | " + " | ".join(cells) + " |")
        w("")
        fcols = [c for c in cols if CONFIGS[c][0] and
                 (kind, c) not in b.unavailable]
        if fcols:
            w(f"### FUSE daemon CPU time ({kind})\n")
            w("user+sys seconds of the daemon process (all threads, from "
              "`/proc/PID/stat`, 10 ms resolution) over each workload, "
              "median; in parentheses as a share of the workload's wall "
              "time (200% = both cores busy).\n")
            w("| workload | " + " | ".join(fcols) + " |")
            w("|---|" + "---:|" * len(fcols))
            for wl in wls:
                cells = []
                for c in fcols:
                    cpu = self.cpu(kind, c, wl)
                    v = self.med(kind, c, wl)
                    if cpu is None or v is None:
                        cells.append("–")
                        continue
                    wall = v if WL[wl][2] == "time" else None
                    if wall:
                        cells.append(f"{cpu:.2f} s ({100 * cpu / wall:.0f}%)")
                    else:
                        cells.append(f"{cpu:.2f} s")
                w(f"| {wl} | " + " | ".join(cells) + " |")
            w("")

    def targets(self, o):
        b = self.b
        w = o.append
        kind = "tmpfs"
        w("## Project targets (tmpfs backing, uidmapfs shift mode)\n")
        if "uidmapfs" not in b.results[kind]:
            w("uidmapfs was not run.\n")
            return
        w("| target | measured | verdict |\n|---|---|---|")

        def line(text, val, ok):
            if val is None:
                w(f"| {text} | not measured | – |")
            else:
                w(f"| {text} | {val} | {'met' if ok else '**not met**'} |")
        for wl in ("seq-read", "seq-write", "rand-read-cold",
                   "rand-read-warm"):
            if wl not in b.workloads:
                continue
            r = self.speed(kind, "uidmapfs", wl)
            line(f"{wl}: throughput >= 95% of kernel-idmap",
                 None if r is None else f"{100 * r:.0f}%",
                 r is not None and r >= 0.95)
        for wl in ("find-warm", "ls-warm", "stat"):
            if wl not in b.workloads:
                continue
            r = self.speed(kind, "uidmapfs", wl)
            line(f"{wl}: speed >= 90% of kernel-idmap (time ratio <= 1.11)",
                 None if r is None else
                 f"{100 * r:.0f}% (time ratio {1 / r:.2f})",
                 r is not None and r >= 0.90)
        for wl in ("untar", "create", "rm", "find-cold"):
            if wl not in b.workloads:
                continue
            r = self.ratio(kind, "uidmapfs", wl)
            line(f"{wl}: time <= 2x kernel-idmap",
                 None if r is None else f"{r:.2f}x", r is not None and r <= 2)
            for other, factor in (("fuse-overlayfs", 3), ("bindfs", 5)):
                if other not in b.results[kind]:
                    continue
                t_o = self.med(kind, other, wl)
                t_u = self.med(kind, "uidmapfs", wl)
                f = t_o / t_u if t_o and t_u else None
                line(f"{wl}: >= {factor}x faster than {other}",
                     None if f is None else f"{f:.2f}x",
                     f is not None and f >= factor)
        w("")

    def requests(self, o):
        b = self.b
        w = o.append
        w("## FUSE requests per workload (uidmapfs shift mode, tmpfs" +
          (f", -o {self.b.args.request_opts}" if self.b.args.request_opts
           else "") + ")\n")
        w("Counted in one extra untimed pass with `uidmapfs -d` (libfuse "
          "logs one `opcode:` line per request). Cold/warm as in the timed "
          "runs; FORGET/BATCH_FORGET are the kernel dropping inodes.\n")
        w("| workload | total | by opcode |\n|---|---:|---|")
        for wl in b.workloads:
            c = b.requests.get(wl)
            if not c:
                continue
            by = ", ".join(f"{k} {v}" for k, v in
                           sorted(c.items(), key=lambda kv: -kv[1]))
            w(f"| {wl} | {sum(c.values())} | {by} |")
        w("")


# -------------------------------------------------------------------- main

def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="run.sh", description="uidmapfs benchmarks: the same "
        "workloads over the native directory, the kernel's ID-mapped bind "
        "mount, uidmapfs, fuse-overlayfs and bindfs, on tmpfs and ext4.")
    p.add_argument("--quick", action="store_true",
                   help="small sizes, 1 repetition (about 3 minutes)")
    p.add_argument("--reps", type=int, default=0,
                   help="repetitions (default 3, --quick 1)")
    p.add_argument("--only", default="",
                   help="comma-separated workloads or groups (" +
                   ", ".join(GROUPS) + "; " + ", ".join(WL) + ")")
    p.add_argument("--configs", default="",
                   help="comma-separated configurations (" +
                   ", ".join(CONFIG_ORDER) + "; default: all but "
                   "uidmapfs-nopt and uidmapfs-st); kernel-idmap is always added")
    p.add_argument("--backings", default="tmpfs,ext4",
                   help="comma-separated: tmpfs, ext4 (default both)")
    p.add_argument("--build", default=os.path.join(REPO, "build"),
                   help="meson build directory (default: REPO/build)")
    p.add_argument("--out", default="",
                   help="Markdown report (default: BUILD/bench-report.md); "
                   "raw data goes next to it as .json")
    p.add_argument("--request-counts", dest="request_counts",
                   action="store_true", default=None,
                   help="count FUSE requests per workload in an extra "
                   "untimed pass (default: on, off with --quick)")
    p.add_argument("--no-request-counts", dest="request_counts",
                   action="store_false")
    p.add_argument("--request-opts", default="",
                   help="extra uidmapfs -o options for the request count "
                   "pass (e.g. keep_cache,entry_timeout=60,attr_timeout=60,"
                   "negative_timeout=10 for uidmapfs-cached's)")
    p.add_argument("--install-deps", action="store_true",
                   help="apt-get install missing tools instead of failing")
    p.add_argument("--keep-workdir", action="store_true",
                   help="keep the work directory (logs) under /tmp")
    a = p.parse_args(argv)
    if a.reps < 0:
        p.error("--reps must be positive")
    if a.request_counts is None:
        a.request_counts = not a.quick
    a.build = os.path.abspath(a.build)
    a.out = os.path.abspath(a.out or os.path.join(a.build,
                                                  "bench-report.md"))
    a.command = os.environ.get("BENCH_COMMAND") or shlex.join(
        ["tests/bench/run.sh"] + argv)
    return a


def main(argv):
    args = parse_args(argv)
    bench = Bench(args)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, on_signal)
    try:
        return bench.main()
    except (Fatal, DaemonFailed) as e:
        note(f"error: {e}")
        return 1
    finally:
        # Nothing may stay mounted, whatever happened.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        bench.cleanup()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
