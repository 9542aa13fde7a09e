#!/usr/bin/env bash
# restart-containerd.sh DIR - stop the containerd that start-runtime.sh started in DIR and start it
# again with the same config and state, leaving pods, shims and containers running (as a node's
# `systemctl restart containerd` would). For tests of an agent that must reconnect.
set -euo pipefail
DIR="${1:?usage: restart-containerd.sh DIR}"
SOCK="$DIR/containerd.sock"
log() { echo "[restart-containerd] $*" >&2; }
alive() { [ -n "$1" ] && [ "$(sed -E 's/.*\) (.).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)" != Z ]; }
[ -f "$DIR/runtime.env" ] && [ -f "$DIR/config.toml" ] || { log "$DIR was not made by start-runtime.sh"; exit 1; }
OLD=$(cat "$DIR/containerd.pid")
alive "$OLD" && tr '\0' ' ' < "/proc/$OLD/cmdline" | grep -q -- "--config $DIR/config.toml" || { log "pid $OLD is not DIR's containerd"; exit 1; }
kill "$OLD"
for _ in $(seq 100); do alive "$OLD" || break; sleep 0.05; done
alive "$OLD" && { log "containerd $OLD ignored SIGTERM"; kill -9 "$OLD"; sleep 0.2; }
set +m
setsid containerd --config "$DIR/config.toml" >>"$DIR/containerd.log" 2>&1 </dev/null &
PID=$!
echo "$PID" > "$DIR/containerd.pid"
for i in $(seq 1 200); do
  alive "$PID" || { tail -20 "$DIR/containerd.log" >&2; log "containerd exited during restart"; exit 1; }
  # The list is read whole first: `ctr … | grep -q` fails under pipefail when ctr dies of SIGPIPE.
  if [ -S "$SOCK" ] && plugins=$(ctr --address "$SOCK" --connect-timeout 1s plugins ls 2>/dev/null) \
       && grep -Eq 'io\.containerd\.grpc\.v1 +cri .* ok' <<<"$plugins"; then break; fi
  [ "$i" = 200 ] && { log "CRI plugin not ready after 20 s"; exit 1; }
  sleep 0.1
done
log "containerd restarted: pid $OLD -> $PID"
