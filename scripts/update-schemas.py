#!/usr/bin/env python3
"""Regenerates the Kubernetes schemas embedded in berth (agent/core/schemas/).

Source: the strict JSON schemas (additionalProperties: false) that the PyPI package
kubernetes-validate ships for many Kubernetes versions. This keeps their shared definitions,
drops the descriptions (berth's hints are its own) and writes the base version whole
(kubernetes-BASE.json) and each other version as the definitions it adds, changes or removes
against the base (kubernetes-X.Y.diff.json), so seven versions cost little more than one.

Usage: scripts/update-schemas.py [WHEEL]   (without WHEEL, pip downloads kubernetes-validate)
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "kubernetes-validate==1.37.0"
BASE = "1.36"
VERSIONS = ["1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37"]
out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent", "core", "schemas")


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "description"}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o


def wheel():
    if len(sys.argv) > 1:
        return sys.argv[1]
    d = tempfile.mkdtemp()
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "-d", d, PACKAGE], check=True)
    return glob.glob(os.path.join(d, "*.whl"))[0]


def definitions(z, version):
    names = [n for n in z.namelist()
             if re.search(rf"kubernetes-json-schema/v{re.escape(version)}\.\d+-local-strict/_definitions\.json$", n)]
    if not names:
        sys.exit(f"no schemas for Kubernetes {version} in the wheel")
    return strip(json.loads(z.read(sorted(names)[-1]))["$defs"])


def write(name, doc):
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    return os.path.getsize(path)


with zipfile.ZipFile(wheel()) as z:
    base = definitions(z, BASE)
    for old in glob.glob(os.path.join(out_dir, "kubernetes-*.json")):
        os.remove(old)
    size = write(f"kubernetes-{BASE}.json", {"kubernetes": BASE, "$defs": base})
    print(f"kubernetes-{BASE}.json: {len(base)} definitions, {size} bytes")
    for v in VERSIONS:
        if v == BASE:
            continue
        defs = definitions(z, v)
        diff = {
            "kubernetes": v,
            "base": BASE,
            "set": {k: d for k, d in defs.items() if base.get(k) != d},
            "remove": sorted(k for k in base if k not in defs),
        }
        size = write(f"kubernetes-{v}.diff.json", diff)
        print(f"kubernetes-{v}.diff.json: {len(diff['set'])} set, {len(diff['remove'])} removed, {size} bytes")
