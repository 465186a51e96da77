#!/usr/bin/env python3
"""mkimage.py - write a one-layer container image as a `docker save` archive, without Docker.

Usage: mkimage.py NAME:TAG ROOTFS_DIR OUT.tar [--entrypoint JSON] [--cmd JSON]
                  [--env K=V]... [--workdir DIR] [--user UID[:GID]]
                  [--expose PORT[/PROTO]]... [--label K=V]... [--stop-signal SIG]
                  [--keep-owners]

The archive is what `docker save` writes (manifest.json + <sha256>.json config +
<diff-id>/layer.tar), so it loads with `ctr -n k8s.io images import OUT.tar` (or
`docker load`), and tests/testenv/oci-push.py pushes it to a registry. Every file is
stored with mtime 0 and its mode kept; symlinks and hard links are kept as such. Files
are stored as owned by root (0:0) unless --keep-owners is given, which keeps each file's
numeric uid/gid as it is in ROOTFS_DIR (for images whose users own their home folders).
The output is reproducible for a given rootfs.

Config: Env starts with the usual PATH unless an --env sets PATH (a later --env of the
same name replaces an earlier one); --workdir "" leaves WorkingDir empty, as Debian's
own images have it.

The layer is streamed through a temporary file next to OUT.tar (large rootfs folders are
never held in memory). Python standard library only. Writes OUT.tar atomically
(OUT.tar.tmp, then rename).
"""
import argparse
import hashlib
import io
import json
import os
import tarfile

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class HashingWriter:
    """A write-only file that hashes what goes through it (tarfile needs write and tell)."""

    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)

    def tell(self):
        return self.n

    def flush(self):
        self.f.flush()


def write_layer(rootfs, out, keep_owners):
    """Write ROOTFS as an uncompressed tar to the open binary file OUT; return its sha256 hex."""
    w = HashingWriter(out)
    root = os.path.abspath(rootfs)
    with tarfile.open(fileobj=w, mode="w", format=tarfile.PAX_FORMAT) as t:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            # symlinks to directories show up in dirnames and are not descended into
            entries = sorted(filenames) + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            for name in [None] + sorted(entries):
                p = dirpath if name is None else os.path.join(dirpath, name)
                rel = os.path.relpath(p, root)
                if rel == ".":
                    continue
                ti = t.gettarinfo(p, arcname=rel)
                if ti is None:  # a socket: not something an image can hold
                    continue
                if not keep_owners:
                    ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root" if not keep_owners else ""
                ti.mtime = 0
                if ti.isreg():
                    with open(p, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    out.flush()
    return w.h.hexdigest()


def env_list(extra):
    env = {}
    for kv in [DEFAULT_PATH] + extra:
        k, _, v = kv.partition("=")
        env.pop(k, None)  # keep the order of first definition, but the last value
        env[k] = v
    return [f"{k}={v}" for k, v in env.items()]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ref", help="image reference, e.g. berth.local/busybox:1.35")
    ap.add_argument("rootfs", help="directory that becomes the image's /")
    ap.add_argument("out", help="output .tar (docker-archive)")
    ap.add_argument("--entrypoint", help='JSON list, e.g. \'["/pause"]\'')
    ap.add_argument("--cmd", help="JSON list")
    ap.add_argument("--env", action="append", default=[], help="K=V (repeatable)")
    ap.add_argument("--workdir", default="/")
    ap.add_argument("--user", help="UID[:GID]")
    ap.add_argument("--expose", action="append", default=[], help="PORT[/tcp|udp] (repeatable)")
    ap.add_argument("--label", action="append", default=[], help="K=V (repeatable)")
    ap.add_argument("--stop-signal", help="e.g. SIGQUIT")
    ap.add_argument("--keep-owners", action="store_true", help="keep the rootfs files' numeric uid/gid")
    a = ap.parse_args()

    layer_tmp = a.out + ".layer.tmp"
    try:
        with open(layer_tmp, "wb") as f:
            digest = write_layer(a.rootfs, f, a.keep_owners)
        diff_id = "sha256:" + digest

        cfg = {"Env": env_list(a.env), "WorkingDir": a.workdir}
        if a.entrypoint:
            cfg["Entrypoint"] = json.loads(a.entrypoint)
        if a.cmd:
            cfg["Cmd"] = json.loads(a.cmd)
        if a.user:
            cfg["User"] = a.user
        if a.expose:
            cfg["ExposedPorts"] = {(p if "/" in p else p + "/tcp"): {} for p in a.expose}
        if a.label:
            cfg["Labels"] = dict(kv.partition("=")[::2] for kv in a.label)
        if a.stop_signal:
            cfg["StopSignal"] = a.stop_signal
        config = {
            "architecture": "amd64",
            "os": "linux",
            "created": "1970-01-01T00:00:00Z",
            "config": cfg,
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "mkimage.py"}],
        }
        cbytes = json.dumps(config, sort_keys=True).encode()
        cname = hashlib.sha256(cbytes).hexdigest() + ".json"
        lname = digest + "/layer.tar"
        manifest = [{"Config": cname, "RepoTags": [a.ref], "Layers": [lname]}]

        tmp = a.out + ".tmp"
        with tarfile.open(tmp, "w") as out:
            def add(name, b):
                ti = tarfile.TarInfo(name)
                ti.size = len(b)
                ti.mode = 0o644
                out.addfile(ti, io.BytesIO(b))
            add(cname, cbytes)
            ti = tarfile.TarInfo(lname)
            ti.size = os.path.getsize(layer_tmp)
            ti.mode = 0o644
            with open(layer_tmp, "rb") as lf:
                out.addfile(ti, lf)
            add("manifest.json", json.dumps(manifest).encode())
        os.replace(tmp, a.out)
    finally:
        if os.path.exists(layer_tmp):
            os.unlink(layer_tmp)


if __name__ == "__main__":
    main()
