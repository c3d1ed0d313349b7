#!/usr/bin/env bash
# A private Prometheus Alertmanager for the alert tests, kept entirely under one directory.
#   scripts/alertmanager.sh start DIR [PORT]   (PORT default 19093; loopback only, clustering off)
#   scripts/alertmanager.sh stop DIR
# It only ever signals the pid it wrote to DIR/alertmanager.pid, never a process found by name.
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
[ $# -ge 2 ] && { [ "$1" = start ] || [ "$1" = stop ]; } || usage
cmd=$1
# Installing needs root: re-run under sudo once.
[ "$(id -u)" = 0 ] || exec sudo -- bash "$0" "$@"
[ "$cmd" = start ] && mkdir -p "$2"
[ -d "$2" ] || exit 0  # stop: nothing was ever started there
dir=$(cd "$2" && pwd)
pidfile=$dir/alertmanager.pid
binary=/usr/bin/prometheus-alertmanager
name=alertmanager marker=--config.file=$dir/alertmanager.yml
. "$(dirname "$0")/lib/servers.sh"

if [ "$cmd" = stop ]; then stop; exit 0; fi
port=${3:-19093}

[ -x "$binary" ] || install_quietly prometheus-alertmanager
[ -x "$binary" ] || { echo "alertmanager: no $binary after installing prometheus-alertmanager" >&2; exit 1; }

if running; then
  port=$(cat "$dir/port")
  echo "alertmanager: http://127.0.0.1:$port/ (already running, pid $(cat "$pidfile"))"
  exit 0
fi

port_free "$port"

# One receiver that sends nothing anywhere: the tests read alerts back through the API.
cat > "$dir/alertmanager.yml" << 'YML'
route:
  receiver: sluice-tests
receivers:
  - name: sluice-tests
YML
mkdir -p "$dir/data"
echo "$port" > "$dir/port"

# exec in the subshell makes $! the server's own pid. An empty cluster address turns clustering off
# (it would otherwise listen on 0.0.0.0:9094).
(exec "$binary" --config.file="$dir/alertmanager.yml" --storage.path="$dir/data" \
  --web.listen-address="127.0.0.1:$port" --cluster.listen-address= < /dev/null > "$dir/alertmanager.log" 2>&1) &
pid=$!
echo "$pid" > "$pidfile"

ready() { [ "$(curl -sf "http://127.0.0.1:$port/-/ready" 2> /dev/null)" = "OK" ]; }
for _ in $(seq 120); do
  ready && break
  alive "$pid" || break  # died early (port taken, bad config): no point waiting the full minute
  sleep 0.5
done
if ! { ready && running; }; then
  echo "alertmanager: server did not become ready on port $port" >&2
  tail -n 30 "$dir/alertmanager.log" >&2 2> /dev/null || true
  stop > /dev/null  # leave nothing half-started behind
  exit 1
fi
echo "alertmanager: http://127.0.0.1:$port/"
