#!/usr/bin/env bash
# The whole test suite: builds once, runs every test project, prints one "N passed, N failed" line.
# Real servers the tests need (Chromium, Alertmanager, …) are installed if missing, started if not running,
# and stopped at exit only if this script started them; their addresses reach the tests as SLUICE_* variables.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=$(mktemp -d)

sudo_cmd=$([ "$(id -u)" = 0 ] && echo "" || echo "sudo")
apt_install() { $sudo_cmd apt-get install -y -qq "$@" > /dev/null || { $sudo_cmd apt-get update -qq > /dev/null && $sudo_cmd apt-get install -y -qq "$@" > /dev/null; }; }

# util-linux `logger` is the real syslog client of the protocol tests (package bsdutils, essential on Debian).
command -v logger > /dev/null || apt_install bsdutils
# Debian's Chromium is the browser of the dashboard's end-to-end tests (Playwright drives it; it downloads nothing).
[ -x /usr/bin/chromium ] || apt_install chromium
# Node and npm build and check the dashboard's bundle (the .NET SDK image has them; Debian's packages otherwise).
command -v npm > /dev/null || apt_install nodejs npm

# Real servers the tests talk to, each a private copy on a non-default loopback port (the scripts install the
# package if missing). A caller's own SLUICE_* address is used as is; a server this script started, it stops at exit.
stops=()
trap 'rm -rf "$results"; for s in "${stops[@]}"; do $s > /dev/null || true; done' EXIT
# use_server SCRIPT VARIABLE DEFAULT_PORT URL_PREFIX
use_server() {
  local script=$1 var=$2 port=$3 prefix=$4 dir out
  [ -z "${!var:-}" ] || return 0
  dir=${TMPDIR:-/tmp}/sluice-test-$(basename "$script" .sh)
  out=$(scripts/$script start "$dir" "$port")
  echo "$out"
  case $out in *"already running"*) ;; *) stops+=("scripts/$script stop $dir") ;; esac
  export "$var=$prefix$(cat "$dir/port")"
}
# Prometheus Alertmanager receives the alert tests' notifications.
use_server alertmanager.sh SLUICE_ALERTMANAGER_URL "${SLUICE_TEST_ALERTMANAGER_PORT:-19093}" http://127.0.0.1:
# Redis holds the state several nodes share (quotas, duplicate windows, recent traces, the KV tiers). Tests that
# take Redis away start their own copy through scripts/redis.sh instead of this one.
use_server redis.sh SLUICE_TEST_REDIS "${SLUICE_TEST_REDIS_PORT:-16379}" redis://127.0.0.1:
# ClickHouse is the shared warm store of several nodes. Each test uses a database of its own; tests that take
# ClickHouse away (or need two shards) start their own copies through scripts/clickhouse.sh.
use_server clickhouse.sh SLUICE_TEST_CLICKHOUSE "${SLUICE_TEST_CLICKHOUSE_PORT:-18223}" http://127.0.0.1:

# The dashboard: its committed bundle must be what web/ builds today, and its unit tests must pass.
(cd web && npm ci --no-audit --no-fund --loglevel=error > /dev/null && npm run --silent check && npm test --silent) || web_status=1

dotnet build Sluice.slnx -c Release --nologo -v quiet -clp:NoSummary

status=${web_status:-0}
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=1
done

# Sum the counters of every TRX file into the closing line CI reads.
python3 - "$results" <<'PY'
import glob, re, sys
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<Counters [^>]*total="(\d+)"[^>]*passed="(\d+)"[^>]*failed="(\d+)"', text)
    if m:
        total, p, f = map(int, m.groups())
        passed += p; failed += f
        nx = re.search(r'notExecuted="(\d+)"', text)
        skipped += int(nx.group(1)) if nx else 0
print(f"tests: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
