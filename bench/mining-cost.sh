#!/usr/bin/env bash
# What pattern mining costs ingest: the same build with Patterns:Enabled on and off, side by side. Each pass starts
# a fresh server (one at a time), warms it with 100,000 events, then posts the standard dataset over loopback with
# 8 connections × 1,000-event batches, fsync acks, defaults otherwise — as bench/compare-ingest.sh does, whose
# alternating order (on off, off on …) this keeps. Prints every pass, the medians and the ratios on/off pass by pass:
# of the rate, and of the server's CPU per event (the steadier of the two on a busy machine).
# Usage: bench/mining-cost.sh [events a pass (default 500,000)] [passes (default 5)]
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-500000}
passes=${2:-5}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson" > /dev/null
head -n 100000 "$work/std.ndjson" > "$work/warm.ndjson"

# CPU seconds the server has used so far (user + system, from /proc).
cpu() { awk '{ printf "%.2f", ($14 + $15) / 100 }' "/proc/$server/stat"; }

# One pass on a fresh server with mining on (true) or off (false); prints its events/s and the server's CPU
# seconds per million events during the measured load (less disturbed by other work on the machine than the rate).
pass() {
  rm -rf "$work/data"
  SLUICE__Patterns__Enabled=$1 $sluice serve --listen 127.0.0.1:5482 --data "$work/data" > "$work/server.log" 2>&1 & server=$!
  until curl -sf "http://127.0.0.1:5482/health/ready" > /dev/null; do sleep 0.2; done
  $sluice bench ingest --url "http://127.0.0.1:5482/" --file "$work/warm.ndjson" --connections 8 --batch 1000 > /dev/null
  local before rate after
  before=$(cpu)
  rate=$($sluice bench ingest --url "http://127.0.0.1:5482/" --file "$work/std.ndjson" --connections 8 --batch 1000 | awk '/^events\/s:/ { gsub(",", "", $2); print $2 }')
  after=$(cpu)
  echo "$rate $(python3 -c "print(f'{($after - $before) / $events * 1e6:.2f}')")"
  kill $server; wait $server 2>/dev/null || true; server=
}

: > "$work/on.txt"; : > "$work/off.txt"
for i in $(seq 1 "$passes"); do
  if (( i % 2 )); then x=$(pass true); y=$(pass false); else y=$(pass false); x=$(pass true); fi
  echo "pass $i: mining on ${x% *} events/s (${x#* } CPU s per M events), off ${y% *} events/s (${y#* } CPU s per M)"
  echo "$x" >> "$work/on.txt"; echo "$y" >> "$work/off.txt"
done
python3 - "$work/on.txt" "$work/off.txt" <<'RATIO'
import statistics, sys
a = [tuple(map(float, x.split())) for x in open(sys.argv[1])]
b = [tuple(map(float, x.split())) for x in open(sys.argv[2])]
rates = [x[0] / y[0] for x, y in zip(a, b)]
cpus = [x[1] / y[1] for x, y in zip(a, b)]
print(f"median: mining on {statistics.median(x[0] for x in a):,.0f} events/s, off {statistics.median(y[0] for y in b):,.0f} events/s; "
      f"rate on/off pass by pass: median {statistics.median(rates):.3f} (min {min(rates):.3f}, max {max(rates):.3f})")
print(f"server CPU per M events: on {statistics.median(x[1] for x in a):.2f} s, off {statistics.median(y[1] for y in b):.2f} s; "
      f"on/off pass by pass: median {statistics.median(cpus):.3f} (min {min(cpus):.3f}, max {max(cpus):.3f})")
RATIO
