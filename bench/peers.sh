#!/usr/bin/env bash
# Sluice against ClickHouse (Debian's package, installed if missing, on its own ports), side by side in one run:
# the same standard file loaded into both (Sluice over HTTP with durable acks; ClickHouse through 4 concurrent
# 100 k-row JSONEachRow inserts into a zstd MergeTree), each round after a warm-up of 1 M events of another day, until
# acked and until settled, then the question
# set (a)–(f) on both, interleaved, with every answer compared cell by cell. The ratio table replaces the one between
# the markers in docs/benchmarks.md. Exits 1 if any answer differs.
# Usage: bench/peers.sh [events] [rounds]   (default 2,000,000 events, 3 rounds; ~2 GB in $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-2000000}
rounds=${2:-3}
work=$(mktemp -d)
chmod 755 "$work" # the clickhouse user reads its config below it
port=${SLUICE_BENCH_CLICKHOUSE_PORT:-18123}
trap 'scripts/clickhouse.sh stop "$work/clickhouse" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"
# Each round first loads another day's events into each side: the figures are those of warm servers (sustained ingest).
$sluice bench gen --events 1000000 --seed 7 --start 2025-12-30T00:00:00Z --out "$work/warmup.ndjson"
scripts/clickhouse.sh start "$work/clickhouse" "$port"

$sluice bench peers --file "$work/std.ndjson" --clickhouse "http://127.0.0.1:$port/" --clickhouse-pid "$(cat "$work/clickhouse/clickhouse.pid")" \
  --work "$work" --rounds "$rounds" --runs 5 --threads 1 --markdown "$work/table.md" --warmup "$work/warmup.ndjson" && status=0 || status=$?

if [ -s "$work/table.md" ]; then
  { echo "Run of $(date -u +%F) on commit $(git rev-parse --short HEAD): \`bench/peers.sh $events $rounds\` ($events events of the" \
      "standard dataset and 5 rare ones, $rounds load rounds, order alternating, each after a warm-up of 1,000,000 events of another day on both sides)."
    echo; cat "$work/table.md"; } > "$work/block.md"
  python3 bench/splice-doc.py peers "$work/block.md"
fi
exit $status
