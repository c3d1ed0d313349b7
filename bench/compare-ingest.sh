#!/usr/bin/env bash
# Ingest side by side: this tree against another commit, on the same dataset. Each pass starts a fresh server of
# each build in turn, one running at a time so neither seals in the background of the other's pass. Pass pairs
# alternate their order (A B, B A, A B …): an A/A run of identical code in a fixed A B order gave 0.93, so the
# second server of a pair is favoured and a fixed order would bias the ratio, warms it with 100,000 events, then posts the standard dataset over loopback
# with 8 connections × 1,000-event batches, fsync acks, defaults otherwise (as bench/ingest.sh's sustained passes).
# With a protocol, the measured pass sends the events re-encoded in it (`sluice bench ingest --protocol`; not syslog).
# Prints every pass, the medians and the ratio this/base pass by pass.
# Usage: bench/compare-ingest.sh [base-ref (default HEAD~1)] [events a pass (default 500,000)] [passes (default 5)] [protocol (default native)]
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD~1}
events=${2:-500000}
passes=${3:-5}
protocol=${4:-native}
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; git worktree remove --force "$work/base" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
git worktree add --detach "$work/base" "$base" > /dev/null
dotnet build "$work/base/src/Sluice.Cli" -c Release --nologo -v quiet -clp:NoSummary
this="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
that="dotnet $work/base/src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$this bench gen --events "$events" --seed 42 --out "$work/std.ndjson" > /dev/null
head -n 100000 "$work/std.ndjson" > "$work/warm.ndjson"

# One pass on a fresh server of the given build; prints its events/s.
pass() {
  rm -rf "$work/data"
  $1 serve --listen 127.0.0.1:5481 --data "$work/data" > "$work/server.log" 2>&1 & server=$!
  until curl -sf "http://127.0.0.1:5481/health/ready" > /dev/null; do sleep 0.2; done
  $this bench ingest --url "http://127.0.0.1:5481/" --file "$work/warm.ndjson" --connections 8 --batch 1000 > /dev/null
  $this bench ingest --url "http://127.0.0.1:5481/" --file "$work/std.ndjson" --connections 8 --batch 1000 --protocol "$protocol" | awk '/^events\/s:/ { gsub(",", "", $2); print $2 }'
  kill $server; wait $server 2>/dev/null || true; server=
}

: > "$work/this.txt"; : > "$work/base.txt"
for i in $(seq 1 "$passes"); do
  if (( i % 2 )); then x=$(pass "$this"); y=$(pass "$that"); else y=$(pass "$that"); x=$(pass "$this"); fi
  echo "pass $i: this $x events/s, base ($base) $y events/s"
  echo "$x" >> "$work/this.txt"; echo "$y" >> "$work/base.txt"
done
python3 - "$work/this.txt" "$work/base.txt" <<'PY'
import statistics, sys
a = [float(x) for x in open(sys.argv[1])]
b = [float(x) for x in open(sys.argv[2])]
ratios = [x / y for x, y in zip(a, b)]
print(f"median: this {statistics.median(a):,.0f} events/s, base {statistics.median(b):,.0f} events/s; "
      f"ratio this/base pass by pass: median {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})")
PY
