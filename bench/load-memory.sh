#!/usr/bin/env bash
# Memory and CPU of one sustained load, for A/B runs of settings or builds (issue 14): a fresh server, warmed with
# 1,000,000 events of another day, then the standard dataset posted over 8 connections in 1,000-event batches with
# durable acks, flushed, and waited on until no hour awaits compaction. Prints one line: the ack rate, RSS before
# the load, peak RSS during it (VmHWM, reset after the warm-up), seconds until settled and server CPU seconds.
# Usage: bench/load-memory.sh LABEL [NAME=VALUE ...]   (the pairs go to the server's environment, e.g.
#        SLUICE__Hot__MaxBytes=67108864 or DOTNET_GCConserveMemory=5; ~1 GB in $TMPDIR; events: SLUICE_BENCH_EVENTS)
# Alternate two labels a few times in one sitting and compare medians: a single run moves ±15 % on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: bench/load-memory.sh LABEL [NAME=VALUE ...]}
shift
events=${SLUICE_BENCH_EVENTS:-2000000}
port=${SLUICE_BENCH_PORT:-5482}
url="http://127.0.0.1:$port/"
cache=${TMPDIR:-/tmp}/sluice-load-memory
mkdir -p "$cache"
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

[ -n "${SLUICE_BENCH_NO_BUILD:-}" ] || dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary > /dev/null
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
# The files are deterministic, so A/B runs share them.
[ -s "$cache/std-$events.ndjson" ] || $sluice bench gen --events "$events" --seed 42 --out "$cache/std-$events.ndjson" > /dev/null
[ -s "$cache/warmup.ndjson" ] || $sluice bench gen --events 1000000 --seed 7 --start 2025-12-30T00:00:00Z --out "$cache/warmup.ndjson" > /dev/null

env "$@" SLUICE__Retention__TrafficHours=1000000 SLUICE__Retention__LogDays=100000 SLUICE__Query__CacheTtlSeconds=0 \
  $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "${url}health/ready" > /dev/null; do
  kill -0 "$server" 2> /dev/null || { echo "$label: the server exited"; tail -2 "$work/server.log"; exit 1; }
  sleep 0.2
done
pid=$(pgrep -f "sluice.dll serve --listen 127.0.0.1:$port")

settle() {
  curl -sf -X POST "${url}api/admin/flush" > /dev/null
  until curl -sf "${url}api/storage/stats" | python3 -c 'import sys, json
p = json.load(sys.stdin)["partitions"]
sys.exit(0 if p["log"]["parts_awaiting_compaction"] == 0 and p["traffic"]["parts_awaiting_compaction"] == 0 else 1)'; do sleep 0.2; done
}

$sluice bench ingest --url "$url" --file "$cache/warmup.ndjson" --connections 8 --batch 1000 > /dev/null
settle
sleep 3
before=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo 5 > "/proc/$pid/clear_refs" # resets VmHWM
cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
t0=$(date +%s.%N)
ack=$($sluice bench ingest --url "$url" --file "$cache/std-$events.ndjson" --connections 8 --batch 1000 | grep -o 'events/s: [0-9,]*')
settle
t1=$(date +%s.%N)
cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
ticks=$(getconf CLK_TCK)
echo "$label: ${ack/events\/s:/ack} ev/s, RSS before $((before / 1024)) MB, peak $((peak / 1024)) MB, settled in $(echo "$t1 - $t0" | bc) s, CPU $(echo "scale=1; ($cpu1 - $cpu0) / $ticks" | bc) s"
