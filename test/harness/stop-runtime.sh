#!/usr/bin/env bash
# stop-runtime.sh DIR — tear down what start-runtime.sh DIR set up, and only that.
#
# Processes are picked by their tie to DIR and never by name:
#   - the containerd whose pid is in DIR/containerd.pid (if its command line names DIR's config);
#   - runc containers whose state is under DIR/runc;
#   - shims whose -address is DIR's socket.
# After that it unmounts everything below DIR, deletes DIR's bridge and drops DIR's CNI cache
# entries. It removes empty cgroup dirs below the test parents, deletes DIR and frees DIR's network
# slot. If DIR's runtime was the last one running, it also restores ip_forward. Every step is safe
# to repeat, so the script also cleans up after a crashed or SIGKILLed run. Exit status 0 means
# nothing of DIR's was found left over.
set -uo pipefail
DIR="${1:?usage: stop-runtime.sh DIR}"
SOCK="$DIR/containerd.sock"
SLOTS=/run/podpulse-test
log() { echo "[stop-runtime] $*" >&2; }
case "$DIR" in /*) ;; *) log "DIR must be an absolute path: $DIR"; exit 1;; esac
[ -d "$DIR" ] || { log "nothing at $DIR"; exit 0; }
# DIR is rm -rf'ed at the end, so only a DIR made by start-runtime.sh (it has runtime.env) is touched.
# An empty DIR is just removed.
if [ ! -f "$DIR/runtime.env" ]; then
  rmdir "$DIR" 2>/dev/null && exit 0
  log "refusing: $DIR has no runtime.env"; exit 1
fi
# Only the keys the file actually holds are used. A start that failed early has no BRIDGE, so no
# bridge gets deleted (it could be someone else's).
BRIDGE="" NETWORK="" SLOT="" CGROUP_PARENTS="kubepods podpulse-test k8s.io"
# shellcheck disable=SC1091
. "$DIR/runtime.env"
alive() { [ -n "$1" ] && [ "$(sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)" != Z ]; }
leftovers=0

# --- 1. A live containerd: stop every task through it, then stop containerd ---------------------
pid=$(cat "$DIR/containerd.pid" 2>/dev/null || true)
ours=false
if alive "$pid" && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config $DIR/config.toml"; then ours=true; fi
if $ours; then
  for ns in $(ctr --address "$SOCK" --connect-timeout 2s namespaces ls -q 2>/dev/null); do
    c=(ctr --address "$SOCK" --connect-timeout 2s -n "$ns")
    # SIGKILL every task, then delete tasks and containers. A shim exits once its last task is deleted.
    for t in $("${c[@]}" tasks ls -q 2>/dev/null); do "${c[@]}" tasks kill -a -s SIGKILL "$t" >/dev/null 2>&1; done
    for t in $("${c[@]}" tasks ls -q 2>/dev/null); do "${c[@]}" tasks delete -f "$t" >/dev/null 2>&1; done
    for k in $("${c[@]}" containers ls -q 2>/dev/null); do "${c[@]}" containers delete "$k" >/dev/null 2>&1; done
  done
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then log "containerd $pid ignored SIGTERM; sending SIGKILL"; kill -9 "$pid"; fi
  log "containerd $pid stopped"
elif [ -n "$pid" ]; then
  log "containerd $pid is gone (or is not DIR's); removing what it left"
fi

# --- 2. Leftovers of a containerd that died: runc containers, then shims on DIR's socket ----------
for root in "$DIR"/runc/*; do
  [ -d "$root" ] || continue
  for id in $(ls "$root"); do runc --root "$root" delete -f "$id" >/dev/null 2>&1 && log "runc delete -f $id"; done
done
kill_shims() {
  local f p cmd ns id n=0
  for f in $(grep -lsaF -- "$SOCK" /proc/[0-9]*/cmdline); do
    p=${f#/proc/}; p=${p%/cmdline}
    cmd=$( { tr '\0' ' ' < "$f"; } 2>/dev/null) || continue
    case "$cmd" in *containerd-shim*" -address $SOCK "*) ;; *) continue;; esac
    ns=$(sed -E 's/.* -namespace ([^ ]+) .*/\1/' <<<"$cmd"); id=$(sed -E 's/.* -id ([^ ]+) .*/\1/' <<<"$cmd")
    kill -9 "$p" 2>/dev/null && { log "killed shim $p ($id)"; n=$((n + 1)); }
    # A SIGKILLed shim leaves its socket behind. containerd 1.6 names it
    # /run/containerd/s/<sha256 of "<containerd socket>/<namespace>/<id>">.
    rm -f "/run/containerd/s/$(printf '%s' "$SOCK/$ns/$id" | sha256sum | cut -c1-64)"
  done
  [ "$n" = 0 ]
}
kill_shims || true

# --- 3. Mounts below DIR, deepest first: overlay rootfs, sandbox /dev/shm, netns bind mounts ------
awk -v d="$DIR/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
  umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
done

# --- 4. Network ---------------------------------------------------------------------------------
# Pod veths disappeared with their network namespaces; the bridge stays until deleted here.
if [ -n "$BRIDGE" ] && ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE" && log "deleted bridge $BRIDGE"; fi
# Pods that were never removed through CRI never got a CNI DEL, so their cached results remain.
# Only this network's entries are removed.
if [ -n "$NETWORK" ]; then
  for f in /var/lib/cni/results/"$NETWORK"-*-eth0; do
    [ -e "$f" ] || continue
    id=${f#/var/lib/cni/results/"$NETWORK"-}; id=${id%-eth0}
    rm -f "$f" "/var/lib/cni/results/cni-loopback-$id-lo"
  done
fi

# --- 5. cgroups ---------------------------------------------------------------------------------
# runc removes a container's own cgroup, but not the parents it created on the way (the QoS and pod
# levels, /k8s.io). rmdir fails on a cgroup that still has members or children, so this can never
# remove one that is in use, even one belonging to another runtime.
for h in /sys/fs/cgroup/*/; do
  for p in $CGROUP_PARENTS; do
    [ -d "$h$p" ] && find "$h$p" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
done

# --- 6. Check that nothing of DIR's survived, then remove DIR and free the slot ------------------
if alive "$pid" && $ours; then log "LEFTOVER: containerd $pid still alive"; leftovers=1; fi
sleep 0.1
kill_shims || { log "LEFTOVER: shims were still running after stop"; leftovers=1; }
if awk -v d="$DIR/" 'index($5, d) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
  log "LEFTOVER: mounts below $DIR"; leftovers=1
fi
if [ -n "$BRIDGE" ] && ip link show "$BRIDGE" >/dev/null 2>&1; then log "LEFTOVER: bridge $BRIDGE"; leftovers=1; fi
rm -rf "$DIR" 2>/dev/null || { log "LEFTOVER: could not remove $DIR"; leftovers=1; }
[ -d "$DIR" ] || log "removed $DIR"
if [ -n "$SLOT" ] && [ "$(cat "$SLOTS/slot-$SLOT/owner" 2>/dev/null)" = "$DIR" ]; then rm -rf "$SLOTS/slot-$SLOT"; fi
# The bridge plugin (isGateway) turned forwarding on. The last runtime to stop puts back the value
# from before the first one started.
if ! ls -d "$SLOTS"/slot-* >/dev/null 2>&1; then
  [ -f "$SLOTS/ip_forward.orig" ] && cat "$SLOTS/ip_forward.orig" > /proc/sys/net/ipv4/ip_forward
  rm -f "$SLOTS/ip_forward.orig"; rmdir "$SLOTS" 2>/dev/null
fi
# containerd 1.6 and libcni always use /run/containerd/s (shim sockets) and /var/lib/cni/results (CNI
# cache). Another runtime may be using them too, so they are removed only when empty.
rmdir /run/containerd/s /run/containerd/fifo /run/containerd/runc/* /run/containerd/runc /run/containerd \
      /var/lib/cni/results /var/lib/cni 2>/dev/null
exit "$leftovers"
