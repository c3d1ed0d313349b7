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

# A pid that exists and is not a zombie (a stopped server may wait ~2 s for its reaper).
alive() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2> /dev/null | cut -d' ' -f1)" != Z ]; }
# The pid file names a live Alertmanager started with this DIR's config (guards against a recycled pid).
running() {
  local pid
  pid=$(cat "$pidfile" 2> /dev/null) && [ -n "$pid" ] && alive "$pid" &&
    tr '\0' '\n' < "/proc/$pid/cmdline" 2> /dev/null | grep -qxF -- "--config.file=$dir/alertmanager.yml"
}
stop() {
  local pid
  if running; then
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2> /dev/null || true
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    if alive "$pid"; then kill -KILL "$pid" 2> /dev/null || true; for _ in $(seq 25); do alive "$pid" || break; sleep 0.2; done; fi
    echo "alertmanager: stopped pid $pid"
  fi
  rm -f "$pidfile"
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
port=${3:-19093}

if [ ! -x "$binary" ]; then
  # Keep the package's own service (port 9093, /var/lib paths) from starting during install.
  made_policy=
  [ -e /usr/sbin/policy-rc.d ] || { made_policy=1; trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d; }
  apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager > /dev/null; }
  apt_install 2> /dev/null || { apt-get update -qq > /dev/null && apt_install; }
  [ -z "$made_policy" ] || { rm -f /usr/sbin/policy-rc.d; trap - EXIT; }
  [ -x "$binary" ] || { echo "alertmanager: no $binary after installing prometheus-alertmanager" >&2; exit 1; }
fi

if running; then
  port=$(cat "$dir/port")
  echo "alertmanager: http://127.0.0.1:$port/ (already running, pid $(cat "$pidfile"))"
  exit 0
fi

# Another server on our port would answer the ready check in our stead.
if (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then echo "alertmanager: port $port is already in use" >&2; exit 1; fi

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
