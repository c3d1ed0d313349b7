#!/usr/bin/env bash
# Template-miner benchmark: grouping and parsing accuracy on the 16 labelled Loghub-2k sets (next to Drain's published
# grouping accuracy) and the miner's throughput on one thread.
# Usage: bench/patterns.sh [LOGHUB_DIR] [--markdown FILE] [--mistakes FILE] [--passes N]
#   LOGHUB_DIR holds <Set>/<Set>_2k.log_structured.csv; without it https://github.com/logpai/loghub is shallow-cloned
#   into a temporary directory (removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=""
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  dir=$1
  shift
fi
if [ -z "$dir" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  git clone --depth 1 --quiet https://github.com/logpai/loghub "$tmp/loghub"
  dir=$tmp/loghub
fi
dotnet run --project bench/Sluice.Bench.Patterns -c Release -- --loghub "$dir" "$@"
