#!/usr/bin/env bash
# start-runtime.sh DIR — bring up a throwaway containerd for podpulse's real-runtime tests.
#
# Everything the runtime writes (config, root, state, runc state, CNI IPAM, image build, logs) lives
# under DIR, an absolute path. Needs root. What it does:
#   - installs missing Debian packages (containerd 1.6, runc, CNI plugins, static busybox, iproute2);
#   - builds a one-layer busybox image locally and imports it, so no registry is contacted; the image
#     doubles as the sandbox ("pause") image;
#   - gives pods a CNI bridge on a private /16 that has no route off this machine.
# stdout: the CRI socket path, and nothing else. DIR/runtime.env: KEY=VALUE lines for the test code.
# Undo everything with stop-runtime.sh DIR.
#
# Several runs may share one machine (engineers running the suite side by side). Each claims a free
# network slot n, which gives it bridge ppt<n>, CNI network podpulse-t<n> and subnet 10.<200+n>.0.0/16.
# Slots are mkdir locks under /run/podpulse-test. Overrides: PODPULSE_RT_BRIDGE, PODPULSE_RT_SUBNET
# (both or neither), PODPULSE_RT_IMAGE (default localhost/busybox:1), PODPULSE_RT_OWNER_PID (see
# slot_stale below).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
DIR="${1:?usage: start-runtime.sh DIR}"
IMAGE="${PODPULSE_RT_IMAGE:-localhost/busybox:1}"
SOCK="$DIR/containerd.sock"
SLOTS=/run/podpulse-test
log() { echo "[start-runtime] $*" >&2; }
die() { log "error: $*"; exit 1; }
trap 'log "error: line $LINENO failed: $BASH_COMMAND"' ERR
# A process counts as alive if it exists and is not a zombie. Orphans are reaped late on some hosts,
# and kill -0 still succeeds on a zombie.
alive() { [ -n "$1" ] && [ "$(sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)" != Z ]; }
ctrx() { ctr --address "$SOCK" --connect-timeout 2s -n k8s.io "$@"; }
[ "$(id -u)" = 0 ] || die "needs root (uid $(id -u))"
case "$DIR" in /*) ;; *) die "DIR must be an absolute path: $DIR";; esac
# Unix socket paths are limited to 108 bytes.
[ ${#SOCK} -lt 100 ] || die "DIR path too long for a unix socket: $SOCK"

# --- 1. Packages --------------------------------------------------------------------------------
need=()
command -v containerd >/dev/null && command -v ctr >/dev/null || need+=(containerd)
command -v runc >/dev/null || need+=(runc)
{ [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/loopback ]; } || need+=(containernetworking-plugins)
[ -x /bin/busybox ] && dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v ip >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  log "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for a dpkg lock held by a parallel apt run instead of failing. Fresh machines often have no
  # package lists yet, so a failed install is retried once after apt-get update.
  apt_install() { apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${need[@]}" >&2; }
  apt_install || { apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && apt_install; } \
    || die "apt-get install ${need[*]} failed"
fi

# --- 2. DIR: reuse a live runtime, clean up a dead one -------------------------------------------
if [ -f "$DIR/containerd.pid" ] && alive "$(cat "$DIR/containerd.pid")"; then
  log "already running from $DIR (pid $(cat "$DIR/containerd.pid"))"; echo "$SOCK"; exit 0
fi
if [ -S "$SOCK" ] && ctr --address "$SOCK" --connect-timeout 1s version >/dev/null 2>&1; then
  die "$SOCK is served by a containerd that $DIR/containerd.pid does not name; not touching it"
fi
if [ -d "$DIR" ] && [ -n "$(ls -A "$DIR")" ]; then bash "$HERE/stop-runtime.sh" "$DIR" || exit 1; fi
mkdir -p "$DIR/cni" "$DIR/ipam" "$DIR/opt" "$DIR/logs"
# Written first: stop-runtime.sh refuses any DIR without it, so it never rm -rf's a stranger's dir.
printf 'DIR=%s\n' "$DIR" > "$DIR/runtime.env"
# From here on DIR is ours: a failed start undoes itself (slot, bridge, containerd, DIR).
trap 'rc=$?; if [ $rc != 0 ]; then log "startup failed (exit $rc); cleaning up $DIR"; bash "$HERE/stop-runtime.sh" "$DIR" || true; fi' EXIT

# --- 3. Network slot ----------------------------------------------------------------------------
# A slot is stale once its owner DIR is gone, or once the owner's containerd has died (pid file
# written, process gone). A stale owner is cleaned with stop-runtime.sh, which frees the slot.
# With PODPULSE_RT_OWNER_PID (the test runner's pid), the runtime is also stale once that process is
# gone: a SIGKILLed test run cannot run its teardown, and its containerd would otherwise live forever.
# The owner is stored as "<pid> <start time>" so that a reused pid does not count as the owner.
starttime() { sed -E 's/.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
slot_stale() {
  local owner runner; owner=$(cat "$SLOTS/slot-$1/owner" 2>/dev/null) || return 0
  [ -d "$owner" ] || return 0
  if [ -f "$owner/containerd.pid" ] && ! alive "$(cat "$owner/containerd.pid")"; then return 0; fi
  if read -r -a runner < "$owner/owner.pid" 2>/dev/null && [ "${#runner[@]}" = 2 ]; then
    [ "$(starttime "${runner[0]}")" = "${runner[1]}" ] || return 0
  fi
  return 1
}
if [ -n "${PODPULSE_RT_OWNER_PID:-}" ]; then
  st=$(starttime "$PODPULSE_RT_OWNER_PID" || true); [ -n "$st" ] || die "PODPULSE_RT_OWNER_PID $PODPULSE_RT_OWNER_PID is not running"
  echo "$PODPULSE_RT_OWNER_PID $st" > "$DIR/owner.pid"
fi
mkdir -p "$SLOTS"
claim() { # claim ID: take slot ID for DIR, or fail if someone holds it
  # The last stop-runtime.sh removes $SLOTS, possibly while the loop below runs
  mkdir -p "$SLOTS"; mkdir "$SLOTS/slot-$1" 2>/dev/null || return 1
  echo "$DIR" > "$SLOTS/slot-$1/owner"
  echo "SLOT=$1" >> "$DIR/runtime.env"   # so that even a failed start frees the slot again
  SLOT=$1
}
SLOT=""
if [ -n "${PODPULSE_RT_BRIDGE:-}" ] || [ -n "${PODPULSE_RT_SUBNET:-}" ]; then
  [ -n "${PODPULSE_RT_BRIDGE:-}" ] && [ -n "${PODPULSE_RT_SUBNET:-}" ] || die "set both PODPULSE_RT_BRIDGE and PODPULSE_RT_SUBNET"
  BRIDGE=$PODPULSE_RT_BRIDGE; SUBNET=$PODPULSE_RT_SUBNET; NETWORK="podpulse-$BRIDGE"
  claim "$BRIDGE" || die "bridge $BRIDGE is claimed by $(cat "$SLOTS/slot-$BRIDGE/owner" 2>/dev/null)"
else
  # First clean up after every crashed run, so that its processes, mounts and bridge do not linger
  # until its slot number happens to come up again.
  for n in $(seq 0 31); do
    if [ -d "$SLOTS/slot-$n" ] && slot_stale "$n"; then
      owner=$(cat "$SLOTS/slot-$n/owner" 2>/dev/null || true)
      log "slot $n is stale (owner ${owner:-?}); cleaning it"
      if [ -n "$owner" ] && [ -f "$owner/runtime.env" ]; then bash "$HERE/stop-runtime.sh" "$owner" || true; fi
      rm -rf "$SLOTS/slot-$n"
    fi
  done
  routes=$(ip -4 route show)
  for n in $(seq 0 31); do
    # Skip subnets the host already routes (a foreign bridge, a VPN, ...).
    grep -q "^10\.$((200 + n))\." <<<"$routes" && continue
    claim "$n" && break
  done
  [ -n "$SLOT" ] || die "no free network slot in $SLOTS (32 in use?)"
  BRIDGE="ppt$SLOT"; SUBNET="10.$((200 + SLOT)).0.0/16"; NETWORK="podpulse-t$SLOT"
fi
ip link show "$BRIDGE" >/dev/null 2>&1 && die "bridge $BRIDGE already exists; refusing to share it"
BASE="${SUBNET%/*}"
GATEWAY="${BASE%.*}.1"    # the bridge plugin gives the bridge the subnet's first address

# The bridge plugin turns on ip_forward. The value from before the first of possibly several
# concurrent runtimes is kept here; the last stop-runtime.sh puts it back.
[ -f "$SLOTS/ip_forward.orig" ] || cat /proc/sys/net/ipv4/ip_forward > "$SLOTS/ip_forward.orig"
# CGROUP_PARENTS: the top-level cgroup dirs this runtime's pods may create. Tests use /kubepods/...
# (kubelet's cgroupfs layout) and /podpulse-test/...; /k8s.io is where containerd puts pods that
# have no cgroup_parent. stop-runtime.sh removes the empty dirs below each of them.
cat > "$DIR/runtime.env" <<EOF
DIR=$DIR
CRI_SOCK=$SOCK
IMAGE=$IMAGE
SUBNET=$SUBNET
GATEWAY=$GATEWAY
BRIDGE=$BRIDGE
NETWORK=$NETWORK
SLOT=$SLOT
CGROUP_PARENTS="kubepods podpulse-test k8s.io"
EOF

# --- 4. CNI -------------------------------------------------------------------------------------
# A single bridge with host-local IPAM. ipMasq is off and no routes are added, so a pod can reach
# only its bridge subnet: other pods, and the gateway (the host end of the bridge). containerd adds
# the loopback plugin on its own.
cat > "$DIR/cni/10-$NETWORK.conflist" <<EOF
{ "cniVersion": "1.0.0", "name": "$NETWORK",
  "plugins": [ { "type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false,
                 "hairpinMode": true,
                 "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$SUBNET" }]],
                           "dataDir": "$DIR/ipam" } } ] }
EOF

# --- 5. containerd config -----------------------------------------------------------------------
# All paths point into DIR, netns bind mounts included. runc uses the cgroupfs driver because the
# target machines have no systemd.
cat > "$DIR/config.toml" <<EOF
version = 2
root = "$DIR/root"
state = "$DIR/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$IMAGE"
  netns_mounts_under_state_dir = true
  # When root lacks CAP_SYS_RESOURCE (as in some VMs and CI sandboxes), runc may not lower
  # oom_score_adj: the sandbox's -998 makes every RunPodSandbox fail with "can't get final child's
  # PID from pipe: EOF". This option raises any requested value to containerd's own score.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni"
EOF

# --- 6. blkio counters (cgroup v1) --------------------------------------------------------------
# The blkio.throttle.io_service_bytes/io_serviced counters stay at "Total 0" in every cgroup until
# blk-throttle has been enabled for the disk. Setting one throttle rule, in any cgroup, enables it
# until reboot, even after the rule is gone. A huge read limit is set in a scratch cgroup and removed.
BLKIO=$(awk '$3 == "cgroup" && $4 ~ /(^|,)blkio(,|$)/ { print $2; exit }' /proc/mounts)
DEV=$(findmnt -no MAJ:MIN -T "$DIR" 2>/dev/null | tr -d ' ' || true)
# A partition cannot be throttled: use its whole disk.
if [ -n "$DEV" ] && [ -e "/sys/dev/block/$DEV/partition" ]; then DEV=$(cat "$(readlink -f "/sys/dev/block/$DEV")/../dev"); fi
ARM="$BLKIO/podpulse-blkio-arm.$$"
if [ -n "$BLKIO" ] && [ -n "$DEV" ] && mkdir "$ARM" 2>/dev/null; then
  echo "$DEV 1099511627776" > "$ARM/blkio.throttle.read_bps_device" 2>/dev/null || log "could not arm blkio for $DEV"
  rmdir "$ARM"
fi

# --- 7. containerd ------------------------------------------------------------------------------
# Its own session, so it outlives this script and a Ctrl-C in the test terminal does not reach it.
# With job control on, setsid would fork and $! would be setsid's short-lived pid instead of
# containerd's; set +m makes setsid exec in place. The /proc/<pid>/exe check below confirms it.
set +m
setsid containerd --config "$DIR/config.toml" >"$DIR/containerd.log" 2>&1 </dev/null &
PID=$!
echo "$PID" > "$DIR/containerd.pid"
for i in $(seq 1 200); do
  alive "$PID" || { tail -20 "$DIR/containerd.log" >&2; die "containerd exited during startup"; }
  # ctr blocks for 10 s on a missing socket: test for it first
  if [ -S "$SOCK" ] && ctr --address "$SOCK" --connect-timeout 1s plugins ls 2>/dev/null \
       | grep -Eq 'io\.containerd\.grpc\.v1 +cri .* ok'; then break; fi
  [ "$i" = 200 ] && { tail -20 "$DIR/containerd.log" >&2; die "CRI plugin not ready after 20 s"; }
  sleep 0.1
done
[ "$(readlink "/proc/$PID/exe")" = "$(readlink -f "$(command -v containerd)")" ] \
  || die "pid $PID is not containerd"
log "containerd $(containerd --version | awk '{print $3}') pid $PID ready"

# --- 8. Image -----------------------------------------------------------------------------------
# An OCI layout with one uncompressed layer: static busybox plus a symlink per applet, and minimal
# /etc/passwd and /etc/group. tar runs with fixed owner and mtime, so the digests are the same on
# every run. The config's Cmd is "sleep infinity" and there is no Entrypoint, so the image also
# serves as the pause image.
B="$DIR/image"; rm -rf "$B"; mkdir -p "$B/rootfs"/{bin,dev,proc,sys,etc,root,tmp,var/run} "$B/oci/blobs/sha256"
cp /bin/busybox "$B/rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$B/rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$B/rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$B/rootfs/etc/group"
chmod 1777 "$B/rootfs/tmp"
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$B/rootfs" -cf "$B/layer.tar" .
# blob FILE: store FILE under its digest and print "<hex digest> <size>"
blob() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); cp "$1" "$B/oci/blobs/sha256/$d"; echo "$d $(stat -c %s "$1")"; }
ARCH=$(dpkg --print-architecture)   # Debian and OCI spell amd64/arm64 the same way
read -r LD LS < <(blob "$B/layer.tar")
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sleep","infinity"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$ARCH" "$LD" > "$B/config.json"
read -r CD CS < <(blob "$B/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$CD" "$CS" "$LD" "$LS" > "$B/manifest.json"
read -r MD MS < <(blob "$B/manifest.json")
# The io.containerd.image.name annotation carries the full reference, so import needs no --base-name.
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$MD" "$MS" "$ARCH" "$IMAGE" "${IMAGE##*:}" > "$B/oci/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' > "$B/oci/oci-layout"
tar -C "$B/oci" -cf "$B/image.tar" oci-layout index.json blobs
# The CRI plugin only looks at the k8s.io namespace.
ctrx images import "$B/image.tar" >/dev/null
# Not `ctrx images ls -q | grep -qx`: the list has a second line (the image's sha256: ref), and when
# grep -q exits at the first match, ctr's later write gets SIGPIPE and pipefail fails the start.
IMAGES=$(ctrx images ls -q)
grep -qx "$IMAGE" <<<"$IMAGES" || die "image $IMAGE missing after import"
rm -rf "$B"
log "image $IMAGE (config sha256:$CD); network $NETWORK $SUBNET on bridge $BRIDGE"
echo "$SOCK"
