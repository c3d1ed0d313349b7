#!/usr/bin/env bash
# The dashboard's figures in docs/benchmarks.md:
#  1. the shipped JS + CSS, gzipped;
#  2. what live tail costs ingest: fresh servers in turn, pairs alternating their order (A B, B A …), each warmed
#     with 100,000 events, then the standard dataset posted with 8 connections × 1,000-event batches, with no
#     subscriber (A) or with SUBSCRIBERS WebSocket subscribers on everything, reading as fast as they can (B);
#  3. the overview's first paint in Debian's Chromium with EVENTS standard events stored over the last 160 hours
#     (navigation start → the page's "sluice-drawn" mark, a fresh browser context each run).
# Usage: bench/dashboard.sh [EVENTS stored (default 10,000,000; 0 skips 3)] [tail passes (default 3; 0 skips 2)] [SUBSCRIBERS (default 100)]
# Needs ~0.4 GB in $TMPDIR per million stored events.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
passes=${2:-3}
subscribers=${3:-100}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5482}
url="http://127.0.0.1:$port/"
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
dotnet build bench/Sluice.Bench.Browser -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"

echo "## shipped dashboard (gzip -9)"
total=0
for f in app.js app.css index.html; do
  size=$(gzip -9 -c "src/Sluice.Server/Dashboard/wwwroot/$f" | wc -c)
  total=$((total + size))
  echo "$f: $size bytes"
done
echo "total: $total bytes"

start() { # data dir
  $sluice serve --listen "127.0.0.1:$port" --data "$1" > "$work/server.log" 2>&1 & server=$!
  until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done
}
stop() { kill $server; wait $server 2>/dev/null || true; server=; }

cpu() { awk '{ printf "%.1f", ($14 + $15) / 100 }' "/proc/$1/stat"; } # user + system CPU seconds of a process
if [ "$passes" -gt 0 ]; then
echo "## live tail's cost on ingest ($subscribers subscribers)"
$sluice bench gen --events 300000 --seed 42 --out "$work/std.ndjson" > /dev/null
head -n 100000 "$work/std.ndjson" > "$work/warm.ndjson"
pass() { # with subscribers? → events/s
  rm -rf "$work/data"; start "$work/data"
  $sluice bench ingest --url "$url" --file "$work/warm.ndjson" --connections 8 --batch 1000 > /dev/null
  if [ "$1" = yes ]; then
    rm -f "$work/stop"; mkfifo "$work/stop"
    $sluice bench tail --url "$url" --subscribers "$subscribers" < "$work/stop" > "$work/tail.txt" & tail=$!
    exec 3> "$work/stop"
    until grep -q connected "$work/tail.txt" 2> /dev/null; do sleep 0.2; done
  fi
  local before; before=$(cpu $server)
  $sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 | awk '/^events\/s:/ { gsub(",", "", $2); print $2 }'
  echo "    server CPU during the load: $(awk -v a="$(cpu $server)" -v b="$before" 'BEGIN { printf "%.1f", a - b }') s (subscribers: $1)" >&2
  if [ "$1" = yes ]; then
    echo "    the subscribers' own process: $(cpu $tail) s of CPU in all" >&2
    exec 3>&-; wait $tail
    sed 's/^/    /' "$work/tail.txt" >&2
  fi
  stop
}
: > "$work/without.txt"; : > "$work/with.txt"
for i in $(seq 1 "$passes"); do
  if (( i % 2 )); then a=$(pass no); b=$(pass yes); else b=$(pass yes); a=$(pass no); fi
  echo "pass $i: without $a events/s, with $subscribers subscribers $b events/s"
  echo "$a" >> "$work/without.txt"; echo "$b" >> "$work/with.txt"
done
python3 - "$work/with.txt" "$work/without.txt" <<'PY'
import statistics, sys
a = [float(x) for x in open(sys.argv[1])]
b = [float(x) for x in open(sys.argv[2])]
r = [x / y for x, y in zip(a, b)]
print(f"median: with {statistics.median(a):,.0f} events/s, without {statistics.median(b):,.0f} events/s; "
      f"with/without pass by pass: median {statistics.median(r):.3f} (min {min(r):.3f}, max {max(r):.3f})")
PY
fi

[ "$events" -gt 0 ] || exit 0
echo "## first paint with $events events stored"
# SLUICE_BENCH_KEEP=DIR keeps the loaded data directory there, and a later run with the same DIR reuses it.
data=${SLUICE_BENCH_KEEP:-$work/data}
# Traffic is kept a week here (its default time to live is 48 h), so every generated event stays stored.
export SLUICE__Retention__TrafficHours=200
if [ ! -d "$data/partitions" ]; then
  $sluice bench gen --events "$events" --seed 42 --start now --hours 160 --out "$work/big.ndjson" > /dev/null
  rm -rf "$data"; start "$data"
  $sluice bench ingest --url "$url" --file "$work/big.ndjson" --connections 8 --batch 1000 | grep -E "^events/s"
  rm -f "$work/big.ndjson"
  curl -sf -X POST "${url}api/admin/flush" > /dev/null
fi
[ -z "$server" ] || stop; start "$data" # a restarted server: nothing of the load left in memory
until curl -s "${url}api/storage/stats" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitions"]
sys.exit(0 if p["log"]["parts_awaiting_compaction"] <= 1 and p["traffic"]["parts_awaiting_compaction"] <= 1 else 1)'; do sleep 2; done # the open hour waits
curl -s "${url}api/storage/stats" | python3 -c '
import json, sys
p = json.load(sys.stdin)["partitions"]
events = p["log"]["events"] + p["traffic"]["events"]
parts = p["log"]["parts"] + p["traffic"]["parts"]
print(f"stored: {events:,} events in {parts} parts")'
dotnet bench/Sluice.Bench.Browser/bin/Release/net10.0/Sluice.Bench.Browser.dll "$url" 7 "/?range=24h" "/?range=7d" "/?range=1h" "/explore?range=1h" "/traffic?range=24h"
stop
