#!/usr/bin/env bash
# node-down.sh - stop the node started by node-up.sh and leave nothing behind.
#
# In order: kube-proxy and kubelet (pid files); every container and pod sandbox through
# containerd (ctr: kill, delete task, delete container); when containerd is gone already
# (a crash), the container processes named by the tasks' init.pid files and the shims whose
# argv names one of our tasks and our containerd socket (containerd 1.6 keeps no shim.pid);
# scheduler, controller-manager, apiserver, etcd, containerd and the API forwarder (pid
# files; SIGTERM, SIGKILL after 15 s; a pid is only signalled while it still runs the binary
# it was started with). Then unmounts everything under the state dir, deepest first (pod
# netns, overlay rootfs, shm, kubelet volumes, the kubelet's shared bind mount), deletes the
# network namespace (and with it every interface, address, route and iptables rule in it),
# and removes what the node's daemons leave in hard-coded host paths: the kubepods cgroups,
# our shim sockets in /run/containerd/s, our CNI result cache files in /var/lib/cni/results
# (berth-node-<id>-eth0, cni-loopback-<id>-lo), and the folders /run/netns, /run/containerd,
# /run/mount (libmount), /var/lib/cni, /var/lib/kubelet (an empty mount point) when they did
# not exist before node-up.sh; finally the state dir (BERTH_NODE_KEEP_STATE=1 keeps it).
# Never touches k8s-up.sh's cluster, processes by name, or the host's network settings.
# Safe to run when nothing is up. Progress goes to stderr.
set -uo pipefail

STATE="${BERTH_NODE_STATE:-$HOME/.cache/berth-testenv/node-run}"
NETNS="${BERTH_NODE_NETNS:-berth-node}"
NS_PATH="/run/netns/$NETNS"
SOCK="$STATE/containerd/containerd.sock"
TASKS="$STATE/containerd/state/io.containerd.runtime.v2.task"

log() { printf '[node-down] %s\n' "$*" >&2; }

[[ $(id -u) == 0 ]] || { log "needs root"; exit 1; }
if [[ -z "${BERTH_NODE_LOCKED:-}" ]]; then
  mkdir -p "$(dirname "$STATE")"
  exec 8>"$STATE.lock"
  flock 8
fi

TASK_IDS=(); NETNS_PODS=()
alive() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"; }

# stop NAME [CMDLINE-PATTERN]
stop() {
  local name="$1" pat="${2:-$1}" f="$STATE/pids/$1.pid" pid
  [[ -f "$f" ]] || return 0
  pid="$(cat "$f")"
  if alive "$pid" "$pat"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do alive "$pid" "$pat" || break; sleep 0.1; done
    if alive "$pid" "$pat"; then
      log "$name (pid $pid) ignored SIGTERM: killing"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do alive "$pid" "$pat" || break; sleep 0.1; done
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# Pod network namespaces in /run/netns, read from the sandboxes' OCI specs (only for a containerd
# without netns_mounts_under_state_dir; node-up.sh keeps them under $STATE, unmounted below).
pod_netns() {
  [[ -d "$TASKS" ]] || return 0
  python3 - "$TASKS" <<'EOF'
import glob, json, sys
for f in glob.glob(sys.argv[1] + "/*/*/config.json"):
    try:
        spec = json.load(open(f))
    except Exception:
        continue
    for ns in spec.get("linux", {}).get("namespaces", []):
        p = ns.get("path", "")
        if ns.get("type") == "network" and (p.startswith("/var/run/netns/cni-") or p.startswith("/run/netns/cni-")):
            print(p)
EOF
}

if [[ -d "$STATE" ]]; then
  stop kube-proxy
  stop kubelet

  mapfile -t NETNS_PODS < <(pod_netns | sort -u)
  # NS/ID of every task containerd has state for (their shim sockets live in /run/containerd/s)
  mapfile -t TASK_IDS < <(cd "$TASKS" 2>/dev/null && ls -d */* 2>/dev/null)

  # --- containers and sandboxes, through containerd ---
  if [[ -S "$SOCK" ]] && timeout 5 ctr --address "$SOCK" version >/dev/null 2>&1; then
    ctrc() { timeout 30 ctr --address "$SOCK" "$@"; }
    n=0
    for ns in $(ctrc namespaces ls -q 2>/dev/null); do
      for id in $(ctrc -n "$ns" tasks ls -q 2>/dev/null); do
        ctrc -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
      done
      for id in $(ctrc -n "$ns" tasks ls -q 2>/dev/null); do
        ctrc -n "$ns" tasks delete -f "$id" >/dev/null 2>&1 || true
      done
      for id in $(ctrc -n "$ns" containers ls -q 2>/dev/null); do
        ctrc -n "$ns" containers delete "$id" >/dev/null 2>&1 && n=$((n + 1))
      done
    done
    log "removed $n containers through containerd"
  fi
  # --- whatever containerd could not (or was not there to) clean up: shims and their processes ---
  if [[ -d "$TASKS" ]]; then
    for d in "$TASKS"/*/*/; do
      [[ -d "$d" ]] || continue
      if [[ -f "$d/init.pid" ]]; then
        p="$(cat "$d/init.pid")"
        grep -qE 'kubepods|k8s.io' "/proc/$p/cgroup" 2>/dev/null && kill -KILL "$p" 2>/dev/null && log "killed container process $p"
      fi
    done
    # shims (containerd 1.6 writes no shim.pid): the processes whose argv is exactly
    # containerd-shim-runc-v2 -namespace NS -id ID -address $SOCK for one of our tasks' NS/ID
    for p in /proc/[0-9]*; do
      mapfile -d '' -t argv <"$p/cmdline" 2>/dev/null || continue
      [[ ${#argv[@]} -ge 7 && ${argv[0]} == *containerd-shim* && ${argv[1]} == -namespace && ${argv[3]} == -id \
         && ${argv[5]} == -address && ${argv[6]} == "$SOCK" && -d "$TASKS/${argv[2]}/${argv[4]}" ]] || continue
      kill -KILL "${p#/proc/}" 2>/dev/null && log "killed shim ${p#/proc/} (task ${argv[4]:0:12})"
    done
  fi

  stop kube-scheduler
  stop kube-controller-manager
  stop kube-apiserver
  stop etcd
  stop containerd
  stop forwarder netns-forward

  # --- pod network namespaces (their veths go with them) ---
  for p in "${NETNS_PODS[@]}"; do
    [[ -e "$p" ]] || continue
    umount "$p" 2>/dev/null || umount -l "$p" 2>/dev/null || true
    rm -f "$p" && log "removed pod netns $p"
  done

  # --- every mount under the state dir, deepest first (stacked mounts: repeat) ---
  for _ in 1 2 3 4 5; do
    mapfile -t M < <(findmnt -rn -o TARGET | awk -v s="$STATE" '$0 == s || index($0, s "/") == 1' | awk '{print length, $0}' | sort -rn | cut -d' ' -f2-)
    [[ ${#M[@]} -gt 0 ]] || break
    for m in "${M[@]}"; do
      m="$(printf '%b' "$m")"  # findmnt escapes blanks as \x20
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
  done
  left="$(findmnt -rn -o TARGET | awk -v s="$STATE" '$0 == s || index($0, s "/") == 1' | wc -l)"
  [[ $left == 0 ]] && log "no mounts left under $STATE" || log "WARNING: $left mounts left under $STATE"
fi

# --- the network namespace itself ---
if [[ -e "$NS_PATH" ]]; then
  # any process still inside it (started by node-up.sh and missed above)? say so, don't kill blindly
  ino="$(stat -L -c %i "$NS_PATH" 2>/dev/null || true)"
  if [[ -n "$ino" ]]; then
    for p in /proc/[0-9]*; do
      [[ "$(stat -L -c %i "$p/ns/net" 2>/dev/null)" == "$ino" ]] && log "WARNING: pid ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline" | cut -c1-80)) is still in netns $NETNS"
    done
  fi
  ip netns delete "$NETNS" 2>/dev/null || { umount "$NS_PATH" 2>/dev/null; rm -f "$NS_PATH"; }
  log "deleted network namespace $NETNS"
fi

# --- host leftovers that node-up.sh's processes created ---
before="$STATE/host-before"
get() { [[ -f "$before" ]] && sed -n "s/^$1=//p" "$before"; }
# shim sockets: containerd 1.6 names them /run/containerd/s/sha256(<grpc address>/<ns>/<id>)
for t in "${TASK_IDS[@]}" $(ls /var/lib/cni/results 2>/dev/null | sed -n 's/^berth-node-\(.*\)-eth0$/k8s.io\/\1/p'); do
  h="$(printf '%s' "$SOCK/$t" | sha256sum | cut -d' ' -f1)"
  [[ -S /run/containerd/s/$h ]] && rm -f "/run/containerd/s/$h"
done
# CNI result cache (libcni writes /var/lib/cni/results whatever the config says): ours are
# berth-node-<sandbox>-eth0 and cni-loopback-<sandbox>-lo
for f in /var/lib/cni/results/berth-node-*-eth0; do
  [[ -e "$f" ]] || continue
  id="${f#/var/lib/cni/results/berth-node-}"; id="${id%-eth0}"
  rm -f "$f" "/var/lib/cni/results/cni-loopback-$id-lo"
done
if [[ -f "$before" ]]; then
  if [[ "$(get kubepods)" == 0 ]]; then
    for d in /sys/fs/cgroup/*/kubepods; do
      [[ -d "$d" ]] || continue
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
      [[ -d "$d" ]] && log "WARNING: could not remove cgroup $d" 
    done
  fi
  if [[ "$(get var_lib_cni)" == 0 && -d /var/lib/cni ]]; then
    rmdir /var/lib/cni/results /var/lib/cni/networks /var/lib/cni 2>/dev/null || true
  fi
  [[ "$(get var_lib_kubelet)" == 0 ]] && rmdir /var/lib/kubelet 2>/dev/null
  [[ "$(get run_containerd_s)" == 0 ]] && rmdir /run/containerd/s 2>/dev/null
  [[ "$(get run_containerd)" == 0 ]] && rmdir /run/containerd 2>/dev/null
  if [[ "$(get run_netns_dir)" == 0 && -d /run/netns ]] && [[ -z "$(ls -A /run/netns)" ]]; then
    [[ "$(get run_netns_mount)" == 0 ]] && umount /run/netns 2>/dev/null
    rmdir /run/netns 2>/dev/null && log "removed /run/netns (node-up.sh created it)"
  fi
  # libmount's utab dir: every mount/umount (ours too, just above) makes it; last, therefore
  [[ "$(get run_mount)" == 0 ]] && rmdir /run/mount 2>/dev/null
fi

rm -rf "$STATE.kube-cache"
if [[ -n "${BERTH_NODE_KEEP_STATE:-}" ]]; then
  log "state kept in $STATE"
elif [[ -e "$STATE" ]]; then
  if [[ "$(findmnt -rn -o TARGET | awk -v s="$STATE" '$0 == s || index($0, s "/") == 1' | wc -l)" != 0 ]]; then
    log "WARNING: mounts left under $STATE: not removing it"
  else
    rm -rf "$STATE" && log "removed $STATE"
  fi
fi
exit 0
