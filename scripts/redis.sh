#!/usr/bin/env bash
# A private Redis for the scale-out tests and benchmarks, kept entirely under one directory.
#   scripts/redis.sh start DIR [PORT]   (PORT default 16379; loopback only, no persistence)
#   scripts/redis.sh stop DIR
#   scripts/redis.sh kill DIR           (SIGKILL, for the tests that take Redis away mid-ingest)
# It only ever signals the pid it wrote to DIR/redis.pid, never a process found by name.
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | stop DIR | kill DIR" >&2; exit 2; }
[ $# -ge 2 ] && { [ "$1" = start ] || [ "$1" = stop ] || [ "$1" = kill ]; } || usage
cmd=$1
# Installing needs root: re-run under sudo once.
[ "$(id -u)" = 0 ] || exec sudo -- bash "$0" "$@"
[ "$cmd" = start ] && mkdir -p "$2"
[ -d "$2" ] || exit 0  # stop: nothing was ever started there
dir=$(cd "$2" && pwd)
name=redis pidfile=$dir/redis.pid binary=/usr/bin/redis-server
# Redis rewrites its process title, so the pid is known as ours by its binary and its working directory (DIR).
ours() { [ "$(readlink "/proc/$1/exe" 2> /dev/null)" = "$(readlink -f "$binary")" ] && [ "$(readlink "/proc/$1/cwd" 2> /dev/null)" = "$dir" ]; }
. "$(dirname "$0")/lib/servers.sh"

if [ "$cmd" = stop ]; then stop; exit 0; fi
if [ "$cmd" = kill ]; then
  if running; then pid=$(cat "$pidfile"); kill -KILL "$pid"; for _ in $(seq 25); do alive "$pid" || break; sleep 0.2; done; fi
  rm -f "$pidfile"; exit 0
fi
port=${3:-16379}

[ -x "$binary" ] || install_quietly redis-server
[ -x "$binary" ] || { echo "redis: no $binary after installing redis-server" >&2; exit 1; }

if running; then
  echo "redis: redis://127.0.0.1:$(cat "$dir/port") (already running, pid $(cat "$pidfile"))"
  exit 0
fi
port_free "$port"

# Loopback only, no snapshots or AOF: the tests own every key and a restart starts empty, as after a crash.
cat > "$dir/redis.conf" << CONF
bind 127.0.0.1
port $port
dir $dir
save ""
appendonly no
daemonize no
protected-mode yes
CONF
echo "$port" > "$dir/port"
chown -R redis: "$dir" 2> /dev/null || true

(exec "$binary" "$dir/redis.conf" < /dev/null > "$dir/redis.log" 2>&1) &
pid=$!
echo "$pid" > "$pidfile"

ready() { [ "$(redis-cli -p "$port" ping 2> /dev/null)" = PONG ]; }
for _ in $(seq 60); do
  ready && break
  alive "$pid" || break
  sleep 0.25
done
if ! { ready && running; }; then
  echo "redis: server did not become ready on port $port" >&2
  tail -n 30 "$dir/redis.log" >&2 2> /dev/null || true
  stop > /dev/null
  exit 1
fi
echo "redis: redis://127.0.0.1:$port"
