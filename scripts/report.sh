#!/usr/bin/env bash
# Run a suite (each trial in a fresh process) and render its report.
# Usage: scripts/report.sh BIN SUITE   (called by `make report`)
# The sweep's last note is its duty cycle; the load average before and
# after says what else the machine was doing meanwhile.
set -euo pipefail
bin=${1:?usage: scripts/report.sh BIN SUITE}
suite=${2:-default}
out="results/$suite"
echo "report: before: $(uptime)"
start=$(date +%s)
"$bin" sweep --suite "$suite" --out "$out"
echo "report: sweep took $(( $(date +%s) - start )) s; after: $(uptime)"
"$bin" report "$out"
echo "report: $out/REPORT.md and $out/report.html"
