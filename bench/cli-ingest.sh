#!/usr/bin/env bash
# `sluice ingest FILE` against `sluice bench ingest` (docs/cli.md, "ingest"): the standard file
# (`sluice bench gen --events N --seed 42`) sent to a fresh server each, both with 4 connections × 1,000-event
# batches. bench ingest reads the whole file into memory first and posts it as it is; sluice ingest streams it,
# gives each event its resume id, keeps its state file and shows progress — the difference is what those cost.
# Usage: bench/cli-ingest.sh [events]   (default 10,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5482}
url="http://127.0.0.1:$port/"
server=
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"
echo "file: $events events, $(du -h "$work/std.ndjson" | cut -f1)"

fresh() {
  kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true
  rm -rf "$work/data"
  $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
  server=$!
  until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done
}

fresh
echo "bench ingest:  $($sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 4 --batch 1000 | grep '^events/s')"
fresh
start=$(date +%s.%N)
SLUICE_CONFIG_DIR="$work/config" $sluice ingest "$work/std.ndjson" --url "$url" --connections 4 --batch 1000 --progress-seconds 60 2> "$work/progress.log"
echo "sluice ingest wall time: $(echo "$(date +%s.%N) - $start" | bc) s (process start included)"
curl -s "${url}metrics" | grep -E '^sluice_ingest_events_accepted_total' || true
