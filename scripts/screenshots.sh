#!/usr/bin/env bash
# Screenshots of each dashboard page for docs/ui.md: the end-to-end tests, run with SLUICE_SCREENSHOTS set, save
# one PNG per page (1400 × 900, Chromium) into docs/ui/ as they go.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Sluice.Server.Tests -c Release --nologo -v quiet -clp:NoSummary
SLUICE_SCREENSHOTS="$PWD/docs/ui" dotnet test tests/Sluice.Server.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~Dashboard.Browser"
ls -1 docs/ui/*.png
