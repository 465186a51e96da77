#!/usr/bin/env python3
"""mkimage.py - write a one-layer container image as a `docker save` archive, without Docker.

Usage: mkimage.py NAME:TAG ROOTFS_DIR OUT.tar [--entrypoint JSON] [--cmd JSON]
                  [--env K=V]... [--workdir DIR] [--user UID[:GID]]

The archive is what `docker save` writes (manifest.json + <sha256>.json config +
<diff-id>/layer.tar), so it loads with `ctr -n k8s.io images import OUT.tar` (or
`docker load`). Every file is stored as owned by root (0:0) with mtime 0 and its mode
kept; symlinks are kept as symlinks. The output is reproducible for a given rootfs.
Python standard library only. Writes OUT.tar atomically (OUT.tar.tmp, then rename).
"""
import argparse
import hashlib
import io
import json
import os
import tarfile


def layer_tar(rootfs):
    buf = io.BytesIO()
    root = os.path.abspath(rootfs)
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
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
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                ti.mtime = 0
                if ti.isreg():
                    with open(p, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    return buf.getvalue()


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
    a = ap.parse_args()

    data = layer_tar(a.rootfs)
    diff_id = "sha256:" + hashlib.sha256(data).hexdigest()

    cfg = {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + a.env,
           "WorkingDir": a.workdir}
    if a.entrypoint:
        cfg["Entrypoint"] = json.loads(a.entrypoint)
    if a.cmd:
        cfg["Cmd"] = json.loads(a.cmd)
    if a.user:
        cfg["User"] = a.user
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
    lname = diff_id[len("sha256:"):] + "/layer.tar"
    manifest = [{"Config": cname, "RepoTags": [a.ref], "Layers": [lname]}]

    tmp = a.out + ".tmp"
    with tarfile.open(tmp, "w") as out:
        def add(name, b):
            ti = tarfile.TarInfo(name)
            ti.size = len(b)
            ti.mode = 0o644
            out.addfile(ti, io.BytesIO(b))
        add(cname, cbytes)
        add(lname, data)
        add("manifest.json", json.dumps(manifest).encode())
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
