#!/usr/bin/env bash
# Run a suite (each trial in a fresh process) and render its report.
# Usage: scripts/report.sh BIN SUITE   (called by `make report`)
set -euo pipefail
bin=${1:?usage: scripts/report.sh BIN SUITE}
suite=${2:-default}
out="results/$suite"
"$bin" sweep --suite "$suite" --out "$out"
"$bin" report "$out"
echo "report: $out/REPORT.md and $out/report.html"
