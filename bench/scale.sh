#!/usr/bin/env bash
# Sluice and ClickHouse side by side at several sizes (default 1 M, 10 M and 30 M events of the standard dataset,
# all within one day): one `sluice bench peers` round per size, each after the same 1 M-event warm-up. Writes the
# table between the scale markers of docs/benchmarks.md and the chart docs/scale.svg.
# Usage: bench/scale.sh [events ...]   (30 M needs ~10 GB in $TMPDIR and ~12 GB of memory for the load generator)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000000 10000000 30000000}")
read -r -a sizes <<< "${sizes[*]}"
work=$(mktemp -d)
chmod 755 "$work" # the clickhouse user reads its config below it
port=${SLUICE_BENCH_CLICKHOUSE_PORT:-18123}
trap 'scripts/clickhouse.sh stop "$work/clickhouse" > /dev/null; rm -rf "$work"' EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
sluice="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
$sluice bench gen --events 1000000 --seed 7 --start 2025-12-30T00:00:00Z --out "$work/warmup.ndjson"
scripts/clickhouse.sh start "$work/clickhouse" "$port"
for n in "${sizes[@]}"; do
  echo "== $n events"
  $sluice bench gen --events "$n" --seed 42 --out "$work/std.ndjson"
  $sluice bench peers --file "$work/std.ndjson" --clickhouse "http://127.0.0.1:$port/" --clickhouse-pid "$(cat "$work/clickhouse/clickhouse.pid")" \
    --work "$work" --rounds 1 --runs 3 --threads 1 --warmup "$work/warmup.ndjson" --json "$work/figures-$n.json" | grep -E '^(round|\()'
  rm -f "$work/std.ndjson"
done

python3 - "$work" "$(git rev-parse --short HEAD)" "${sizes[@]}" <<'PY'
import json, sys, datetime
work, commit, sizes = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3:]]
runs = [json.load(open(f"{work}/figures-{n}.json")) for n in sizes]
label = lambda n: f"{n / 1e6:g} M"
rows = [("ingest until acked, k events/s", lambda s: s["ack_events_per_s"] / 1000),
        ("ingest until settled, k events/s", lambda s: s["settled_events_per_s"] / 1000),
        ("server CPU per 1 M events, s", lambda s: s["cpu_s_per_million"]),
        ("peak RSS, MB", lambda s: s["peak_rss_mb"]),
        ("bytes/event on disk", lambda s: s["bytes_per_event"])]
head = "| figure | " + " | ".join(f"Sluice {label(n)} | ClickHouse {label(n)}" for n in sizes) + " |"
lines = [head, "|---|" + "---|---|" * len(sizes)]
for name, get in rows:
    lines.append(f"| {name} | " + " | ".join(f"{get(r['sluice']):.1f} | {get(r['clickhouse']):.1f}" for r in runs) + " |")
for q in range(len(runs[0]["queries"])):
    name = runs[0]["queries"][q]["name"]
    cells = []
    for r in runs:
        x = r["queries"][q]
        cells.append(f"{x['sluice_ms']:.1f}{'' if x['agree'] else ' (differs)'} | {x['clickhouse_ms']:.1f}")
    lines.append(f"| {name}, ms | " + " | ".join(cells) + " |")
table = "\n".join(lines) + "\n"

# The chart: each figure against the number of events, Sluice solid, ClickHouse dashed, on log-log axes.
import math
W, H, P = 300, 210, 42
def panel(title, series, x0, y0):
    xs = [math.log10(n) for n in sizes]
    ys = [math.log10(max(v, 1e-3)) for s in series for v in s[1]]
    lo, hi = min(ys), max(ys)
    lo, hi = (lo - 0.1, hi + 0.1) if hi - lo > 0.05 else (lo - 0.5, hi + 0.5)
    xmin, xmax = min(xs) - 0.1, max(xs) + 0.1
    X = lambda v: x0 + P + (v - xmin) / (xmax - xmin) * (W - P - 10)
    Y = lambda v: y0 + H - 30 - (math.log10(max(v, 1e-3)) - lo) / (hi - lo) * (H - 60)
    out = [f'<text x="{x0 + W / 2}" y="{y0 + 16}" text-anchor="middle" font-size="12">{title}</text>',
           f'<line x1="{x0 + P}" y1="{y0 + H - 30}" x2="{x0 + W - 10}" y2="{y0 + H - 30}" stroke="#888"/>']
    for n in sizes:
        out.append(f'<text x="{X(math.log10(n))}" y="{y0 + H - 14}" text-anchor="middle" font-size="10">{label(n)}</text>')
    for name, values, color, dash in series:
        pts = " ".join(f"{X(math.log10(n)):.1f},{Y(v):.1f}" for n, v in zip(sizes, values))
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" {dash} points="{pts}"/>')
        for n, v in zip(sizes, values):
            out.append(f'<text x="{X(math.log10(n)) + 3:.1f}" y="{Y(v) - 4:.1f}" font-size="9" fill="{color}">{v:.3g}</text>')
    return out
panels = [("ingest until settled, k events/s", "settled_events_per_s", 1e-3), ("server CPU s per 1 M events", "cpu_s_per_million", 1),
          ("peak RSS, MB", "peak_rss_mb", 1), ("bytes per event", "bytes_per_event", 1)]
svg = []
for i, (title, key, k) in enumerate(panels):
    svg += panel(title, [("Sluice", [r["sluice"][key] * k for r in runs], "#1f6feb", ""), ("ClickHouse", [r["clickhouse"][key] * k for r in runs], "#d1242f", 'stroke-dasharray="5,3"')], (i % 2) * W, (i // 2) * H)
for q in range(len(runs[0]["queries"])):
    title = runs[0]["queries"][q]["name"]
    svg += panel(title + ", ms", [("Sluice", [r["queries"][q]["sluice_ms"] for r in runs], "#1f6feb", ""), ("ClickHouse", [r["queries"][q]["clickhouse_ms"] for r in runs], "#d1242f", 'stroke-dasharray="5,3"')], ((q + 4) % 2) * W, ((q + 4) // 2) * H)
rows_of_panels = (4 + len(runs[0]["queries"]) + 1) // 2
legend = f'<text x="10" y="{rows_of_panels * H + 16}" font-size="11"><tspan fill="#1f6feb">— Sluice</tspan>   <tspan fill="#d1242f">- - ClickHouse</tspan>   (log-log axes; bench/scale.sh on commit {commit})</text>'
open("docs/scale.svg", "w").write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{rows_of_panels * H + 24}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>' + "".join(svg) + legend + "</svg>\n")

header = (f"Run of {datetime.date.today()} on commit {commit}: `bench/scale.sh {' '.join(map(str, sizes))}` (one round per size after a "
          f"1,000,000-event warm-up on both sides; queries median of 3 over HTTP, 1 thread each). Chart: [scale.svg](scale.svg).\n\n")
open(f"{work}/scale.md", "w").write(header + table)
print(table)
print("wrote the chart into docs/scale.svg")
PY
python3 bench/splice-doc.py scale "$work/scale.md"
