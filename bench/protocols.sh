#!/usr/bin/env bash
# Ingest rate per protocol (docs/benchmarks.md, "Protocols"): the same standard-dataset events, each batch
# re-encoded in the protocol as its usual client sends it (`sluice bench ingest --protocol`), 8 connections ×
# 1,000-event batches, fsync acks, a fresh server per protocol after a native warm-up pass. Syslog has no ack:
# its time runs until the server's count of stored syslog events has grown by all of them.
# Usage: bench/protocols.sh [events]   (default 300,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-300000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5482}
url="http://127.0.0.1:$port/"
server=
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"
$sluice bench gen --events "$events" --seed 7 --out "$work/warm.ndjson"

syslog_port=$((port + 1))
for protocol in native otlp otlp-json clef loki loki-json bulk syslog; do
  rm -rf "$work/data"
  SLUICE_SYSLOG_TCP=$syslog_port $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server-$protocol.log" 2>&1 &
  server=$!
  until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done
  $sluice bench ingest --url "$url" --file "$work/warm.ndjson" --connections 8 --batch 1000 > /dev/null
  echo "$protocol: $($sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 --protocol "$protocol" --syslog-port "$syslog_port" | grep -E '^(events/s|first failure)' | tr '\n' ' ')"
  kill "$server"; wait "$server" 2>/dev/null || true
done
