#!/usr/bin/env bash
# Seed 002's KV targets (cache p99 < 50 ms, durable p99 < 200 ms, failover detection < 30 s, sync < 5 s after
# recovery), measured on a fresh server with a private Redis (scripts/redis.sh, emptied by the restart as after a
# crash): latency per tier with the answering tier checked on every read, then Redis killed and started again.
# The table replaces the one between the kv markers in docs/benchmarks.md.
# Usage: bench/kv.sh [reads per tier (default 10,000)] [keys per tier (default 500)]   (default settings: Kv:*, Breakers:*)
set -euo pipefail
cd "$(dirname "$0")/.."
reads=${1:-10000}
keys=${2:-500}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5483}
redis_port=${SLUICE_BENCH_REDIS_PORT:-16390}
url="http://127.0.0.1:$port/"
server=
trap '[ -n "$server" ] && kill $server 2>/dev/null; wait 2>/dev/null; scripts/redis.sh stop "$work/redis" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
scripts/redis.sh start "$work/redis" "$redis_port"
SLUICE_REDIS="redis://127.0.0.1:$redis_port" $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 & server=$!
until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done

$sluice bench kv --url "$url" --keys "$keys" --reads "$reads" --connections 4 --bytes 512 --markdown "$work/table.md" \
  --redis-script scripts/redis.sh --redis-dir "$work/redis" --redis-port "$redis_port" && status=0 || status=$?

if [ -s "$work/table.md" ]; then
  { echo "Run of $(date -u +%F) on commit $(git rev-parse --short HEAD): \`bench/kv.sh $reads $keys\` (one server on its defaults, a private"
    echo "Redis 7 on loopback, the load generator on the same 2 cores; failover with \`Breakers:OpenSeconds\` 30 and \`Kv:ProbeIntervalMs\` 1000)."
    echo; cat "$work/table.md"; } > "$work/block.md"
  python3 bench/splice-doc.py kv "$work/block.md"
fi
exit $status
