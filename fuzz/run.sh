#!/usr/bin/env bash
# The long fuzz runs. First in process: every target, a million mutated inputs each (after its regression corpus),
# checking that nothing crashes, no invariant breaks and no input allocates past its target's linear bound. Then
# over HTTP against a fresh server: mutated inputs of every target (and of SQL) at every endpoint that reads them,
# checking that no answer is an undocumented 5xx. Seeded, so a run can be repeated. Failing inputs are written to
# fuzz/findings/<target>/: fix the cause, then keep the input under fuzz/corpus/<target>/ so the tests replay it.
# About 10 minutes in process and 2 over HTTP on 2 cores.
# usage: fuzz/run.sh [inputs per target in process] [inputs per target over HTTP] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=${1:-1000000}
http_inputs=${2:-2000}
seed=${3:-1}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Sluice.slnx -c Release --nologo -v quiet -clp:NoSummary
fuzz="dotnet fuzz/Sluice.Fuzz/bin/Release/net10.0/Sluice.Fuzz.dll"

status=0
$fuzz --inputs "$inputs" --seed "$seed" --corpus fuzz/corpus --findings fuzz/findings || status=1

data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
syslog=$((port + 1))
SLUICE__Syslog__TcpPort=$syslog dotnet src/Sluice.Cli/bin/Release/net10.0/sluice.dll serve --listen "127.0.0.1:$port" --data "$data" > "$data.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data" "$data.log"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/ready" > /dev/null && break; sleep 0.2; done
$fuzz --http "http://127.0.0.1:$port/" --syslog-port "$syslog" --inputs "$http_inputs" --seed "$seed" --corpus fuzz/corpus || status=1
if grep -q "Unhandled error" "$data.log"; then
  echo "the server logged unhandled errors:"; grep "Unhandled error" "$data.log" | head -5; status=1
fi
exit $status
