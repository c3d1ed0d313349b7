#!/usr/bin/env bash
# The ClickHouse sink (docs/benchmarks.md, "ClickHouse as the warm store"): how fast acknowledged events are shipped,
# live and after an outage. A server on defaults with SLUICE_CLICKHOUSE pointing at a private ClickHouse takes N
# standard events (shipping as it goes: the ingest rate, the lag when ingest ends, and the time until ClickHouse has
# them all); then ClickHouse is stopped, the server takes N more (acknowledged from its WAL), ClickHouse starts again
# and the sink ships the backlog from its cursor (the first delivery after the restart, and the drain rate). Ends by
# checking that ClickHouse holds each of the 2N events exactly once.
# Usage: bench/clickhouse-sink.sh [events]   (default 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=$(mktemp -d)
chmod 755 "$work" # the clickhouse user reads its config below it
port=${SLUICE_BENCH_PORT:-5484}
ch_port=${SLUICE_BENCH_CLICKHOUSE_PORT:-18133}
url="http://127.0.0.1:$port/"
ch="http://127.0.0.1:$ch_port/"
server=
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; scripts/clickhouse.sh stop "$work/clickhouse" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --start now --hours 24 --out "$work/first.ndjson" > /dev/null
$sluice bench gen --events "$events" --seed 43 --start now --hours 24 --out "$work/second.ndjson" > /dev/null
scripts/clickhouse.sh start "$work/clickhouse" "$ch_port" > /dev/null

lag() { curl -s "${url}metrics" | awk '/^sluice_sink_lag_events\{sink="clickhouse"\}/ {print $2}'; }
now() { date +%s.%N; }
rate() { python3 -c "import sys; n, a, b = map(float, sys.argv[1:]); print(f'{b - a:.1f} s, {n / (b - a):,.0f} events/s')" "$@"; }

SLUICE_CLICKHOUSE="$ch" $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done

started=$(now)
echo "live ingest: $($sluice bench ingest --url "$url" --file "$work/first.ndjson" --connections 8 --batch 1000 | grep '^events/s')"
ingested=$(now)
echo "lag when ingest ended: $(lag) events"
until [ "$(lag)" = 0 ]; do sleep 0.1; done
shipped=$(now)
echo "live: all $events in ClickHouse $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$ingested" "$shipped") after ingest ended; from first post to last shipped $(rate "$events" "$started" "$shipped")"

scripts/clickhouse.sh stop "$work/clickhouse" > /dev/null
echo "ingest while ClickHouse is down: $($sluice bench ingest --url "$url" --file "$work/second.ndjson" --connections 8 --batch 1000 | grep '^events/s')"
echo "backlog: $(lag) events; $(curl -s "${url}metrics" | grep '^sluice_dependency_breaker_state{dependency="clickhouse"}')"
scripts/clickhouse.sh start "$work/clickhouse" "$ch_port" > /dev/null
back=$(now)
until [ "$(lag)" -lt "$events" ]; do sleep 0.05; done
first=$(now)
until [ "$(lag)" = 0 ]; do sleep 0.1; done
drained=$(now)
echo "catch-up: first delivery $(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f} s')" "$back" "$first") after ClickHouse answered again (the breaker's break); backlog drained in $(rate "$events" "$first" "$drained")"
echo "clickhouse holds: $(curl -s "$ch" --data-binary 'SELECT count(), uniqExact(node, seq) FROM sluice.events' | tr '\t' ' ') (events, distinct) of $((2 * events)) acknowledged"
curl -s "${url}metrics" | grep -E '^sluice_sink_(delivered_events_total|failed_attempts_total|lost_events_total)\{sink="clickhouse"'
