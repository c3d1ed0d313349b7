#!/usr/bin/env bash
# The hardening issue's reproductions against a fresh server on its defaults: each request (three at once where the
# reviewers sent three), its answer, how long it took, and the server's resident memory before and at its peak
# (VmHWM), with the SQL worker's peak. The figures of docs/benchmarks.md, "Hardening".
# Usage: bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
port=${SLUICE_BENCH_PORT:-5490}
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
dotnet build src/Sluice.Cli -c Release --nologo -v quiet -clp:NoSummary
dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll serve --listen "127.0.0.1:$port" --data "$work/data" > "$work/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null; do sleep 0.2; done

python3 - "$port" "$server" <<'PY'
import json, os, sys, threading, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
base = f"http://127.0.0.1:{port}"

def status(p, key):
    try:
        for line in open(f"/proc/{p}/status"):
            if line.startswith(key): return int(line.split()[1]) // 1024
    except OSError: pass
    return 0

def children(p):
    out = []
    for task in os.listdir(f"/proc/{p}/task"):
        try: out += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
        except OSError: pass
    return out

worker_peak = 0
def watch():
    global worker_peak
    while True:
        for c in children(pid): worker_peak = max(worker_peak, status(c, "VmHWM:"))
        time.sleep(0.02)
threading.Thread(target=watch, daemon=True).start()

def post(path, body, ctype="application/json"):
    req = urllib.request.Request(base + path, data=body if isinstance(body, bytes) else body.encode(), headers={"content-type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=120) as r: text = r.read(); code = r.status
    except urllib.error.HTTPError as e: text = e.read(); code = e.code
    try:
        answer = json.loads(text)
        label = answer.get("code") or (answer.get("Error") or "")[:60] or ("truncated_by " + answer["truncated_by"] if "truncated_by" in answer else "")
    except Exception: label = ""
    return code, len(text), label

def run(name, times, path, body, ctype="application/json"):
    before = status(pid, "VmRSS:")
    started = time.time()
    results = [None] * times
    def one(i): results[i] = post(path, body, ctype)
    threads = [threading.Thread(target=one, args=(i,)) for i in range(times)]
    [t.start() for t in threads]; [t.join() for t in threads]
    took = time.time() - started
    answers = ", ".join(f"{c} {l} ({n:,} B)" for c, n, l in results)
    print(f"{name:58} x{times}  {took:6.2f} s  {answers}  RSS {before} MiB before, peak so far {status(pid, 'VmHWM:')} MiB")

post("/api/ingest", "\n".join(json.dumps({"message": f"base event {i}", "service": "s"}) for i in range(2000)), "application/x-ndjson")
holes = "{a}" * 8000
run("84 KB Seq envelope, a hole x8000 over 60,000 chars", 3, "/api/events/raw",
    json.dumps({"Events": [{"Timestamp": "2026-12-02T00:00:00Z", "MessageTemplate": holes, "Properties": {"a": "z" * 60000}}]}))
run("the same as CLEF with @mt", 3, "/api/events/raw?clef",
    json.dumps({"@t": "2026-12-02T00:00:00Z", "@mt": holes, "a": "z" * 60000}), "application/vnd.serilog.clef")
run("SQL SELECT length(repeat('x', 1000000000))", 3, "/api/logs/analytics/custom", json.dumps({"sql": "SELECT length(repeat('x', 1000000000))"}))
run("SQL repeat('x', 60000) FROM logs a, logs b LIMIT 10000", 1, "/api/logs/analytics/custom",
    json.dumps({"sql": "SELECT repeat('x', 60000) AS s FROM logs a, logs b LIMIT 10000"}))
run("SQL repeat('x', 300000000) (a 300 MB string)", 1, "/api/logs/analytics/custom", json.dumps({"sql": "SELECT repeat('x', 300000000) AS s"}))
run("SQL lpad('x', 2e9): one call of ~20 s", 1, "/api/logs/analytics/custom", json.dumps({"sql": "SELECT length(lpad('x', 2000000000, 'y'))"}))
run("SQL of minutes (8e9 triples), deadline 30 s", 1, "/api/logs/analytics/custom",
    json.dumps({"sql": "SELECT count(*) FROM events a, events b, events c WHERE a.message || b.message || c.message = 'x'"}))
print(f"peak resident memory: server {status(pid, 'VmHWM:')} MiB, SQL worker {worker_peak} MiB")
PY
