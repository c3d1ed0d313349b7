#!/usr/bin/env bash
# Admission cost end to end (docs/benchmarks.md, "Protection"): the same sustained ingest as bench/ingest.sh
# (standard dataset, 8 connections × 1,000-event batches, fsync acks) against three fresh servers:
#   off       — duplicate filter off, no quotas;
#   defaults  — duplicate filter by content on, no quotas (what `sluice serve` runs);
#   all-rules — defaults plus a rule of every scope, limits high enough that none is reached;
#   shared    — all-rules with the quotas and the duplicate window on Redis (only when SLUICE_BENCH_REDIS names one,
#               e.g. redis://127.0.0.1:16379 from scripts/redis.sh; a key prefix of the run's own).
# Usage: bench/admission.sh [events]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5481}
url="http://127.0.0.1:$port/"
server=
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
# A file per pass: the duplicate filter would otherwise drop a resent file as retries (that is its job).
for seed in 42 43 44 45; do $sluice bench gen --events "$events" --seed "$seed" --out "$work/std-$seed.ndjson"; done
all_rules="global:1000000000/1h; system=browser:400000000/1h; system=worker:300000000/1h; system=backend:300000000/1h; trace:100000000/1h; domain:1000000000/1h:sample; api_key:1000000000/1h; ip:1000000000/1h"

run() { # name, then environment assignments for the server
  local name=$1; shift
  rm -rf "$work/data"
  env "$@" $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server-$name.log" 2>&1 &
  server=$!
  until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done
  $sluice bench ingest --url "$url" --file "$work/std-42.ndjson" --connections 8 --batch 1000 > /dev/null # warm-up
  for seed in 43 44 45; do
    echo "$name, file $seed: $($sluice bench ingest --url "$url" --file "$work/std-$seed.ndjson" --connections 8 --batch 1000 | grep '^events/s')"
  done
  curl -s "${url}metrics" | grep -E '^sluice_(ingest_deduplicated_total|quota_rejected_total|dedup_keys|quota_decisions_total|dedup_claims_total)[ {]' || true
  kill "$server"; wait "$server" 2>/dev/null || true
}

run off SLUICE__Dedup__Enabled=false
run defaults SLUICE__Dedup__Enabled=true
run all-rules SLUICE__Quotas__Rules="$all_rules"
if [ -n "${SLUICE_BENCH_REDIS:-}" ]; then
  run shared SLUICE__Quotas__Rules="$all_rules" SLUICE_REDIS="$SLUICE_BENCH_REDIS" SLUICE__Redis__KeyPrefix="bench$$-$(date +%s):"
fi
