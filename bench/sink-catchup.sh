#!/usr/bin/env bash
# How fast a sink catches up after an outage (docs/benchmarks.md, "Scale-out"): a server whose Redis is down takes
# N standard events (acknowledged from its WAL), then Redis starts and the Redis sink ships the backlog from its
# cursor into the seeds' keys. Prints the ingest rate with the sink failing, the catch-up time and rate, and what
# Redis holds afterwards.
# Usage: bench/sink-catchup.sh [events]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5483}
redis_port=${SLUICE_BENCH_REDIS_PORT:-16479}
url="http://127.0.0.1:$port/"
server=
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; scripts/redis.sh stop "$work/redis" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"

lag() { curl -s "${url}metrics" | awk '/^sluice_sink_lag_events\{sink="redis"\}/ {print $2}'; }

SLUICE_REDIS="redis://127.0.0.1:$redis_port" $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done
echo "ingest while Redis is down: $($sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 | grep '^events/s')"
echo "backlog: $(lag) events; breaker: $(curl -s "${url}metrics" | grep '^sluice_dependency_breaker_state{dependency="redis"}')"

mkdir -p "$work/redis"
scripts/redis.sh start "$work/redis" "$redis_port" > /dev/null
started=$(date +%s.%N)
# The breaker stays open for Breakers:OpenSeconds after its last failure: the first delivery waits for its probes.
until [ "$(lag)" -lt "$events" ]; do sleep 0.05; done
first=$(date +%s.%N)
until [ "$(lag)" = 0 ]; do sleep 0.1; done
ended=$(date +%s.%N)
python3 - "$started" "$first" "$ended" "$events" << 'CALC'
import sys
s, f, e, n = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"catch-up: first delivery {f - s:.1f} s after Redis started (the breaker's break); "
      f"backlog drained {e - f:.1f} s later, {n / (e - f):,.0f} events/s; {e - s:.1f} s in all")
CALC
echo "redis after catch-up: $(redis-cli -p "$redis_port" dbsize) keys, $(redis-cli -p "$redis_port" info memory | awk -F: '/^used_memory_human/ {print $2}' | tr -d '\r') used"
curl -s "${url}metrics" | grep -E '^sluice_sink_(delivered_events_total|failed_attempts_total|lost_events_total)'
