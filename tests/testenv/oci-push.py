#!/usr/bin/env python3
"""oci-push.py - push a `docker save` archive (as mkimage.py writes) to a registry, without Docker.

Usage: oci-push.py ARCHIVE.tar HOST:PORT/REPOSITORY:TAG [--cache DIR] [--level N]

Speaks the registry (OCI distribution) HTTP API: each layer is gzipped (mtime 0, so the
same layer gives the same blob), skipped when the registry already has the blob (HEAD),
otherwise uploaded with POST /v2/<repo>/blobs/uploads/ + PUT ...?digest=; then the
config blob, then the manifest is PUT as application/vnd.docker.distribution.manifest.v2+json.
Layers are streamed from files (never held in memory); gzipped layers are kept in
--cache DIR (keyed by the layer's diff-id and the gzip level) so a second push, or a push
to another registry, does not compress again. Prints the manifest digest on stdout.

Only registries on loopback (127.0.0.0/8, localhost, [::1]) are accepted, over plain HTTP.
Python standard library only.
"""
import argparse
import gzip
import hashlib
import http.client
import ipaddress
import json
import os
import shutil
import sys
import tarfile
import urllib.parse

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_V1 = "application/vnd.docker.container.image.v1+json"
LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
CHUNK = 1 << 20


def log(msg):
    print(f"[oci-push] {msg}", file=sys.stderr, flush=True)


def parse_ref(ref):
    host, _, rest = ref.partition("/")
    if not rest:
        sys.exit(f"oci-push: {ref!r} is not HOST:PORT/REPOSITORY:TAG")
    repo, _, tag = rest.rpartition(":")
    if not repo or "/" in tag:
        repo, tag = rest, "latest"
    hostname = host[1:host.find("]")] if host.startswith("[") else host.split(":")[0]
    try:
        loop = hostname == "localhost" or ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        loop = False
    if not loop:
        sys.exit(f"oci-push: refusing to push to {host}: only registries on loopback are allowed")
    return host, repo, tag


class Registry:
    def __init__(self, host):
        self.host = host

    def request(self, method, path, body=None, headers=None, length=None):
        c = http.client.HTTPConnection(self.host, timeout=600, blocksize=CHUNK)
        h = dict(headers or {})
        if length is not None:
            h["Content-Length"] = str(length)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def has_blob(self, repo, digest):
        r, _ = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        return r.status == 200

    def put_blob(self, repo, digest, path, size):
        r, data = self.request("POST", f"/v2/{repo}/blobs/uploads/", length=0)
        if r.status != 202:
            raise SystemExit(f"oci-push: starting an upload to {repo}: HTTP {r.status} {data[:300]!r}")
        loc = urllib.parse.urlsplit(r.getheader("Location"))
        query = (loc.query + "&" if loc.query else "") + "digest=" + urllib.parse.quote(digest)
        with open(path, "rb") as f:
            r, data = self.request("PUT", f"{loc.path}?{query}", body=f, length=size,
                                   headers={"Content-Type": "application/octet-stream"})
        if r.status != 201:
            raise SystemExit(f"oci-push: uploading {digest}: HTTP {r.status} {data[:300]!r}")

    def manifest_digest(self, repo, tag):
        r, _ = self.request("HEAD", f"/v2/{repo}/manifests/{tag}", headers={"Accept": MANIFEST_V2})
        return r.getheader("Docker-Content-Digest") if r.status == 200 else None


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(CHUNK), b""):
            h.update(b)
    return "sha256:" + h.hexdigest()


def gzipped_layer(archive, member, diff_id, cache, level):
    """The gzipped layer's (path, digest, size), made once per diff-id and level."""
    base = os.path.join(cache, f"{diff_id.split(':', 1)[1]}.gz{level}")
    if os.path.exists(base) and os.path.exists(base + ".digest"):
        with open(base + ".digest") as f:
            digest = f.read().strip()
        return base, digest, os.path.getsize(base)
    log(f"gzip -{level} {member} ({archive.getmember(member).size / 1e6:.0f} MB)")
    tmp = base + ".tmp"
    src = archive.extractfile(member)
    h_in = hashlib.sha256()
    with open(tmp, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", compresslevel=level, fileobj=raw, mtime=0) as gz:
            for b in iter(lambda: src.read(CHUNK), b""):
                h_in.update(b)
                gz.write(b)
    if "sha256:" + h_in.hexdigest() != diff_id:
        os.unlink(tmp)
        raise SystemExit(f"oci-push: {member} does not match its diff-id {diff_id}")
    digest = sha256_file(tmp)
    os.replace(tmp, base)
    with open(base + ".digest", "w") as f:
        f.write(digest + "\n")
    return base, digest, os.path.getsize(base)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("archive", help="docker-archive .tar (manifest.json + config + layers)")
    ap.add_argument("ref", help="HOST:PORT/REPOSITORY:TAG on loopback, e.g. 127.0.0.1:5000/library/rust:1.95")
    ap.add_argument("--cache", help="folder for gzipped layers (default: next to the archive)")
    ap.add_argument("--level", type=int, default=6, help="gzip level (default 6)")
    a = ap.parse_args()
    host, repo, tag = parse_ref(a.ref)
    cache = a.cache or os.path.join(os.path.dirname(os.path.abspath(a.archive)), "blobs")
    os.makedirs(cache, exist_ok=True)
    reg = Registry(host)

    with tarfile.open(a.archive) as t:
        m = json.load(t.extractfile("manifest.json"))
        if len(m) != 1:
            sys.exit("oci-push: the archive must hold exactly one image")
        m = m[0]
        cbytes = t.extractfile(m["Config"]).read()
        config = json.loads(cbytes)
        diff_ids = config["rootfs"]["diff_ids"]
        layers = []
        for member, diff_id in zip(m["Layers"], diff_ids):
            path, digest, size = gzipped_layer(t, member, diff_id, cache, a.level)
            layers.append({"mediaType": LAYER_GZIP, "size": size, "digest": digest, "_path": path})

    cdigest = "sha256:" + hashlib.sha256(cbytes).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_V2,
        "config": {"mediaType": CONFIG_V1, "size": len(cbytes), "digest": cdigest},
        "layers": [{k: v for k, v in l.items() if k != "_path"} for l in layers],
    }
    mbytes = json.dumps(manifest, indent=3).encode()
    mdigest = "sha256:" + hashlib.sha256(mbytes).hexdigest()
    if reg.manifest_digest(repo, tag) == mdigest:
        log(f"{host}/{repo}:{tag} is up to date ({mdigest[:19]})")
        print(mdigest)
        return

    for l in layers:
        if reg.has_blob(repo, l["digest"]):
            log(f"layer {l['digest'][:19]} already there")
            continue
        log(f"upload layer {l['digest'][:19]} ({l['size'] / 1e6:.0f} MB gzipped)")
        reg.put_blob(repo, l["digest"], l["_path"], l["size"])
    if not reg.has_blob(repo, cdigest):
        cpath = os.path.join(cache, cdigest.split(":", 1)[1] + ".json")
        with open(cpath, "wb") as f:
            f.write(cbytes)
        reg.put_blob(repo, cdigest, cpath, len(cbytes))
    r, data = reg.request("PUT", f"/v2/{repo}/manifests/{tag}", body=mbytes, length=len(mbytes),
                          headers={"Content-Type": MANIFEST_V2})
    if r.status != 201:
        raise SystemExit(f"oci-push: PUT manifest {repo}:{tag}: HTTP {r.status} {data[:300]!r}")
    got = r.getheader("Docker-Content-Digest")
    if got and got != mdigest:
        raise SystemExit(f"oci-push: the registry stored {got}, expected {mdigest}")
    log(f"pushed {host}/{repo}:{tag} ({mdigest[:19]})")
    print(mdigest)


if __name__ == "__main__":
    main()
