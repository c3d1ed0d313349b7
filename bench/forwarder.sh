#!/usr/bin/env bash
# The edge forwarder (docs/forwarder.md, docs/benchmarks.md "Forwarder"): a real `sluice forward` in front of a real
# upstream `sluice serve` on this machine, both acknowledging after fsync.
#  1. throughput: N standard events posted to the forwarder; events/s from the first post until the forwarder's
#     backlog (sluice_sink_lag_events{sink="mirror"}) is 0, i.e. every event stored upstream; with a large batch
#     (--batch 5000 --interval 200ms) and with the defaults (--batch 50 --interval 30s);
#  2. catch-up: the upstream is down while the N events are acknowledged; then it starts, and the backlog is timed
#     until it is drained (large batch, then defaults).
# Each phase has a fresh forwarder and a fresh upstream (the generated ids would otherwise meet the duplicate window).
# Usage: bench/forwarder.sh [events]   (default 200,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-200000}
work=$(mktemp -d)
up_port=${SLUICE_BENCH_PORT:-5491}
fwd_port=$((up_port + 1))
up_url="http://127.0.0.1:$up_port/"
fwd_url="http://127.0.0.1:$fwd_port/"
upstream=
forwarder=
stop() { for p in "$forwarder" "$upstream"; do [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; forwarder=; upstream=; true; }
trap 'stop; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson" > /dev/null

now() { date +%s.%N; }
lag() { curl -s "${fwd_url}metrics" | awk '/^sluice_sink_lag_events\{sink="mirror"\}/ {print $2}'; }
start_upstream() {
  $sluice serve --listen "127.0.0.1:$up_port" --data "$work/up-$1" > "$work/up-$1.log" 2>&1 &
  upstream=$!
  until curl -sf "${up_url}health/ready" > /dev/null; do sleep 0.1; done
}
start_forwarder() {
  local name=$1; shift
  $sluice forward --to "$up_url" --listen "127.0.0.1:$fwd_port" --data "$work/fwd-$name" "$@" > "$work/fwd-$name.log" 2>&1 &
  forwarder=$!
  until curl -sf "${fwd_url}health/ready" > /dev/null; do sleep 0.1; done
}
ingest() { $sluice bench ingest --url "$fwd_url" --file "$work/std.ndjson" --connections 8 --batch 500 | grep '^events/s' | sed 's/^events\/s:/local acks: events\/s/'; }
drain() { until [ "$(lag)" = 0 ]; do sleep 0.05; done; }
rate() { python3 -c "import sys; s,e,n=float(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'{n:,} events in {e-s:.1f} s: {n/(e-s):,.0f} events/s')" "$1" "$2" "$events"; }

for setting in "large:--batch 5000 --interval 200ms" "defaults:"; do
  name=${setting%%:*}; args=${setting#*:}
  start_upstream "t-$name"
  # shellcheck disable=SC2086
  start_forwarder "t-$name" $args
  begun=$(now)
  echo "throughput, $name (${args:---batch 50 --interval 30s}): $(ingest)"
  drain
  echo "  ack to upstream stored: $(rate "$begun" "$(now)")"
  stop
done

for setting in "large:--batch 5000 --interval 200ms" "defaults:"; do
  name=${setting%%:*}; args=${setting#*:}
  # shellcheck disable=SC2086
  start_forwarder "c-$name" $args
  echo "catch-up, $name: upstream down; $(ingest); backlog $(lag) events, $(curl -s "${fwd_url}metrics" | awk '/^sluice_sink_lag_bytes\{sink="mirror"\}/ {printf "%.0f MiB", $2/1048576}') of WAL"
  started=$(now)
  start_upstream "c-$name"
  drain
  echo "  from the upstream's start (process start and the breaker's pause included): $(rate "$started" "$(now)")"
  curl -s "${fwd_url}metrics" | grep -E '^sluice_sink_(delivered_events_total|failed_attempts_total|lost_events_total)\{sink="mirror"\}' | sed 's/^/  /'
  stop
done
