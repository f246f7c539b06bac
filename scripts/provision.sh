#!/usr/bin/env bash
# Installs what `make test` or `make report` needs beyond Go and make, on a
# Debian machine: Chromium (report/browser_test.go drives it), python3 and
# Debian's python3-uvloop (the Python models and their tests), and Node.js
# (the Node models). Usage: scripts/provision.sh test|report
#
# As root it runs apt-get for whatever is missing; otherwise it stops with
# one line naming the exact command. Nothing is done when all is present.
# Knobs (for tests, and for machines laid out otherwise):
#   PROVISION_DRY_RUN=1  print the apt-get command instead of running it
#   SYSTEM_PYTHON        the interpreter Debian's python3-uvloop is for
#                        (default /usr/bin/python3)
#   CONCBENCH_PYTHON, CONCBENCH_NODE, CONCBENCH_CHROMIUM  as the tools use them
set -euo pipefail
what=${1:?usage: scripts/provision.sh test|report}
sys_python=${SYSTEM_PYTHON:-/usr/bin/python3}
py=${CONCBENCH_PYTHON:-python3}
node=${CONCBENCH_NODE:-node}

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

if ! have "$py" && ! have "$sys_python"; then
  missing+=(python3)
fi
if ! { have "$py" && "$py" -c 'import uvloop' >/dev/null 2>&1; } &&
   ! { have "$sys_python" && "$sys_python" -c 'import uvloop' >/dev/null 2>&1; }; then
  missing+=(python3-uvloop)
fi
if ! have "$node"; then
  missing+=(nodejs)
fi
if [ "$what" = test ]; then
  found=
  for c in ${CONCBENCH_CHROMIUM:-} chromium chromium-browser google-chrome google-chrome-stable headless-shell; do
    if have "$c"; then found=$c; break; fi
  done
  [ -n "$found" ] || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y ${missing[*]}"
if [ "${PROVISION_DRY_RUN:-}" = 1 ]; then
  echo "provision: would run: apt-get update && $cmd"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! have apt-get; then
  echo "provision: missing ${missing[*]} for make $what: run \`sudo apt-get update && sudo $cmd\` (Debian), or install them another way" >&2
  exit 1
fi
echo "provision: installing ${missing[*]} for make $what"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd -qq
