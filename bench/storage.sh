#!/usr/bin/env bash
# Storage benchmark of docs/benchmarks.md: the standard dataset ingested into a fresh server on its defaults, sealed
# and compacted; then bytes per event on disk, the HTTP answers a user sees, and the query set (a)–(f) run by
# `sluice bench query` on the stopped server's data directory (median of 3 after a warm-up).
# Usage: bench/storage.sh [events]   (default 10,000,000: ~3.1 GB of NDJSON and ~2.5 GB of WAL in $TMPDIR)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5481}
url="http://127.0.0.1:$port/"
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events "$events" --seed 42 --out "$work/std.ndjson"

# The dataset is dated 2026-01-01 (deterministic bytes); TTLs long enough that the hourly cleanup keeps it.
SLUICE__Retention__TrafficHours=1000000 SLUICE__Retention__LogDays=100000 \
  $sluice serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "${url}health/ready" > /dev/null; do sleep 0.2; done

echo "== ingest, sealing as it goes: 8 connections, batches of 1000"
$sluice bench ingest --url "$url" --file "$work/std.ndjson" --connections 8 --batch 1000 | tail -2
curl -s "${url}metrics" | grep -E '^(sluice_storage_events_sealed_total|sluice_hot_bytes|process_resident_memory_bytes) '
start=$(date +%s.%N)
curl -sf -X POST "${url}api/admin/flush" > /dev/null
echo "flush of the backlog: $(echo "$(date +%s.%N) - $start" | bc) s"

echo "== waiting until no closed hour awaits compaction (hours of large seal parts stay as they are)"
python3 - "$url" <<'PY'
import json, sys, time, urllib.request
url = sys.argv[1]
while True:
    s = json.load(urllib.request.urlopen(url + "api/storage/stats"))["partitions"]
    if all(s[k]["parts_awaiting_compaction"] == 0 for k in ("log", "traffic")):
        break
    time.sleep(1)
total = sum(s[k]["events"] for k in ("log", "traffic"))
size = sum(s[k]["bytes"] for k in ("log", "traffic"))
print(f"{total:,} events in {s['log']['parts'] + s['traffic']['parts']} parts, {size / 1e6:.1f} MB: {size / total:.1f} bytes/event "
      f"(log {s['log']['bytes_per_event']}, traffic {s['traffic']['bytes_per_event']}); compression vs row format {s['compression_ratio']}x")
PY
du -sh "$work/data/partitions" "$work/data/wal" | awk '{print "on disk: " $2 " " $1}'
curl -s "${url}metrics" | grep -E '^(sluice_storage_(compactions_total|seal_seconds_sum|seal_seconds_count)|process_resident_memory_bytes) '

echo "== HTTP answers (median of 5 after a warm-up, curl time_total)"
trace=$(curl -s "${url}api/logs/search?limit=1&q=timeout" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["trace_id"])')
for path in "api/traffic-logs/v2/summary?granularity=hour&date=2026-01-01&hour=12" \
            "api/traffic-logs/v2/summary?granularity=day&date=2026-01-01" \
            "api/logs/analytics/summary?start_time=2026-01-01T00:00:00Z&end_time=2026-01-02T00:00:00Z" \
            "api/logs/search?q=timeout&limit=100" \
            "api/logs/search?level=error&service=checkout&start_time=2026-01-01T12:00:00Z&end_time=2026-01-01T13:00:00Z" \
            "api/traces/$trace"; do
  curl -s -o /dev/null "${url}$path"
  for i in 1 2 3 4 5; do curl -s -o /dev/null -w '%{time_total}\n' "${url}$path"; done | sort -n | sed -n 3p | awk -v p="$path" '{printf "%8.1f ms  GET /%s\n", $1 * 1000, p}'
done

echo "== rare-term search through the text index: 5 events saying 'zebracorn', one in each of 5 hours, sealed as late parts"
for h in 03 07 11 15 19; do echo "{\"timestamp\":\"2026-01-01T$h:17:00Z\",\"service\":\"rare\",\"message\":\"Zebracorn sighting reported near gate $h\"}"; done \
  | curl -sf -X POST -H 'content-type: application/x-ndjson' --data-binary @- "${url}api/ingest" > /dev/null
curl -sf -X POST "${url}api/admin/flush" > /dev/null
for path in "api/logs/search?query=zebracorn&limit=100" "api/logs/search?query=unicornfish&limit=100" "api/logs/search?query=timeout&limit=100"; do
  found=$(curl -s "${url}$path" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))')
  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{time_total}\n' "${url}$path"; done | tail -5 | sort -n | sed -n 3p | awk -v p="$path" -v n="$found" '{printf "%8.1f ms  GET /%s  (%s events)\n", $1 * 1000, p, n}'
done
for q in "zebracorn | stats count()" "timeout | stats count()"; do
  for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{time_total}\n' -X POST -d "{\"query\":\"$q\"}" "${url}api/logs/analytics/custom"; done | tail -5 | sort -n | sed -n 3p | awk -v q="$q" '{printf "%8.1f ms  %s\n", $1 * 1000, q}'
done

kill "$server"; wait "$server" 2>/dev/null || true; server=
echo "== query set on the engine (server stopped): sluice bench query --data DIR"
$sluice bench query --data "$work/data" --runs 3 --threads 2
