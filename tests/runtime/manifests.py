#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""manifests: the Kubernetes files in packaging/kubernetes hold together.

No cluster here, so this checks what can be checked without one: every
YAML document parses and is a Kubernetes object (apiVersion, kind,
metadata.name); every TOML drop-in parses; the RuntimeClass's handler is
the runtime name the containerd and CRI-O drop-ins define; the binary they
run is where the installer puts it; runtime.conf has only keys the wrapper
knows.  Shown to fail: renaming the CRI-O runtime table, or a BinaryName
path the installer does not write, each makes it exit 1.
"""
import pathlib
import sys
import tomllib

import yaml

TOP = pathlib.Path(__file__).resolve().parents[2]
K8S = TOP / "packaging" / "kubernetes"
RT = K8S / "runtime"
INSTALLED = "/usr/local/bin/uidmapfs-runtime"
CONF_KEYS = {"runtime", "uidmapfs", "state-dir", "options", "systemd", "timeout"}


def fail(msg):
    print(f"manifests: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    handlers = set()
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is None:
                continue
            for key in ("apiVersion", "kind"):
                if key not in doc:
                    fail(f"{path.name}: a document without {key}")
            if not doc.get("metadata", {}).get("name"):
                fail(f"{path.name}: a {doc['kind']} without metadata.name")
            if doc["kind"] == "RuntimeClass":
                handlers.add(doc["handler"])
            if doc["kind"] == "Pod" and doc["spec"].get("runtimeClassName"):
                if doc["spec"].get("hostUsers") is not False:
                    fail(f"{path.name}: a uidmapfs pod without hostUsers: false")
    if handlers != {"uidmapfs"}:
        fail(f"RuntimeClass handlers {handlers}, want {{'uidmapfs'}}")

    for name, plugin in (("containerd-2.x-uidmapfs.toml", "io.containerd.cri.v1.runtime"),
                         ("containerd-1.7-uidmapfs.toml", "io.containerd.grpc.v1.cri")):
        conf = tomllib.loads((RT / name).read_text())
        runtimes = conf["plugins"][plugin]["containerd"]["runtimes"]
        if set(runtimes) != handlers:
            fail(f"{name}: runtimes {set(runtimes)} are not the RuntimeClass handlers")
        r = runtimes["uidmapfs"]
        if r["runtime_type"] != "io.containerd.runc.v2":
            fail(f"{name}: runtime_type {r['runtime_type']}")
        if r["options"]["BinaryName"] != INSTALLED:
            fail(f"{name}: BinaryName {r['options']['BinaryName']}, installed at {INSTALLED}")

    crio = tomllib.loads((RT / "crio-uidmapfs.conf").read_text())
    runtimes = crio["crio"]["runtime"]["runtimes"]
    if set(runtimes) != handlers:
        fail(f"crio-uidmapfs.conf: runtimes {set(runtimes)} are not the handlers")
    if runtimes["uidmapfs"]["runtime_path"] != INSTALLED:
        fail(f"crio-uidmapfs.conf: runtime_path {runtimes['uidmapfs']['runtime_path']}")

    installer = (TOP / "packaging" / "uidmapfs-install-runtime").read_text()
    if "$host/usr/local/bin/uidmapfs-runtime" not in installer:
        fail(f"uidmapfs-install-runtime does not install {INSTALLED}")

    for n, line in enumerate((RT / "runtime.conf").read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key = line.split("=", 1)[0].strip()
        if key not in CONF_KEYS:
            fail(f"runtime.conf:{n}: unknown key {key}")
    print("manifests: ok")


main()
