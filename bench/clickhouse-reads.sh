#!/usr/bin/env bash
# The overhead of answering through Sluice on ClickHouse (docs/benchmarks.md, "ClickHouse as the warm store"): a
# fresh Sluice shipping to a private ClickHouse (every question read there) takes the standard file, then the
# question set (a)–(g) is asked through Sluice's API and as the same SQL sent straight to ClickHouse over Sluice's
# tables, interleaved, median of N, answers compared cell by cell. Exits 1 if an answer differs.
# Usage: bench/clickhouse-reads.sh [events] [runs]   (default 1,000,000 events, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
runs=${2:-5}
work=$(mktemp -d)
chmod 755 "$work" # the clickhouse user reads its config below it
ch_port=${SLUICE_BENCH_CLICKHOUSE_PORT:-18143}
trap 'scripts/clickhouse.sh stop "$work/clickhouse" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson" > /dev/null
scripts/clickhouse.sh start "$work/clickhouse" "$ch_port" > /dev/null
$sluice bench clickhouse-reads --file "$work/std.ndjson" --clickhouse "http://127.0.0.1:$ch_port/" --work "$work" --runs "$runs"
