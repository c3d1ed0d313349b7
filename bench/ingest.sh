#!/usr/bin/env bash
# End-to-end ingest benchmark of docs/benchmarks.md: a fresh server on its defaults (fsync acks), the standard
# dataset over loopback, one warm-up pass, then three sustained passes and two open-loop latency runs.
# Usage: bench/ingest.sh [events]   (default 1,000,000; needs ~0.5 GB in $TMPDIR per million events)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5480}
url="http://127.0.0.1:$port/"
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"
head -n $((events / 5)) "$work/std.ndjson" > "$work/std-fifth.ndjson"

$sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done

histogram() { curl -s "${url}metrics" | grep "^sluice_${1:-ingest_ack}_seconds_bucket"; }
server_quantiles() { # quantiles of a server histogram between two snapshots: before after label
  python3 - "$1" "$2" "$3" <<'PY'
import sys
def read(path):
    out = []
    for line in open(path):
        le = line.split('le="')[1].split('"')[0]
        out.append((float('inf') if le == '+Inf' else float(le), float(line.split()[-1])))
    return out
a, b = read(sys.argv[1]), read(sys.argv[2])
d = [(le, y - x) for (le, x), (_, y) in zip(a, b)]
total = d[-1][1]
def q(p):
    for le, c in d:
        if c >= p * total: return f"≤{le * 1000:g} ms"
print(f"{sys.argv[3]} (histogram bucket bounds): p50 {q(0.5)}, p99 {q(0.99)}, p999 {q(0.999)}")
PY
}

echo "== warm-up (JIT, hot tier filling from empty)"
$sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 | tail -2
echo "== sustained: 8 connections, batches of 1000, closed loop (3 passes)"
for i in 1 2 3; do $sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 | grep events/s; done
for rate in 20000 150000; do
  echo "== open loop at $rate events/s, batches of 100, 64 connections"
  histogram > "$work/h1"; histogram wal_fsync > "$work/f1"
  $sluice bench ingest --url "$url" --file "$work/std-fifth.ndjson" --connections 64 --batch 100 --rate "$rate" | tail -2
  histogram > "$work/h2"; histogram wal_fsync > "$work/f2"
  server_quantiles "$work/h1" "$work/h2" "server-side ack"
  server_quantiles "$work/f1" "$work/f2" "WAL fdatasync"
done
echo "== server after the runs"
curl -s "${url}metrics" | grep -E '^(sluice_wal_(fsyncs|records|group_commits)_total|sluice_hot_(rows|bytes)|dotnet_gc_pause_seconds_total|process_resident_memory_bytes) '
du -sh "$work/data/wal" | awk '{print "WAL on disk: " $1}'
