#!/usr/bin/env bash
# serve-check.sh: build concbench, start `concbench serve` on loopback, show
# it answering real clients (curl; wrk or hey when installed), stop it, and
# print a short summary. Usage: scripts/serve-check.sh [BINARY]
set -euo pipefail

cd "$(dirname "$0")/.."
work=$(mktemp -d)
bin=${1:-$work/concbench}
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ "$#" -eq 0 ]; then
	echo "== build"
	go build -o "$bin" ./cmd/concbench
fi

echo "== start: $bin serve --addr 127.0.0.1:0 --max-delay 2s --max-size 1MiB"
"$bin" serve --addr 127.0.0.1:0 --max-delay 2s --max-size 1MiB >"$work/out" 2>"$work/err" &
pid=$!
addr=
for _ in $(seq 50); do # at most 5 s
	addr=$(sed -n 's/^listening on //p' "$work/out" | head -n1)
	[ -n "$addr" ] && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [ -z "$addr" ]; then
	echo "FAIL: server did not print its address"; cat "$work/err"; exit 1
fi
case "$addr" in 127.*) ;; *) echo "FAIL: server bound to non-loopback $addr"; exit 1 ;; esac
echo "listening on $addr (pid $pid)"

fail=0
check() { # name, want-status, url, [want-body-bytes]
	local got size
	got=$(curl -s -o "$work/body" -w '%{http_code} %{size_download} %{time_total}' --max-time 10 "$3" || echo "000 0 0")
	size=$(echo "$got" | cut -d' ' -f2)
	if [ "${got%% *}" != "$2" ] || { [ -n "${4:-}" ] && [ "$size" != "$4" ]; }; then
		echo "FAIL $1: got '$got', want status $2 ${4:+and $4 bytes}"; fail=1
	else
		printf 'ok   %-28s status %s, %6s bytes, %ss' "$1" "${got%% *}" "$size" "$(echo "$got" | cut -d' ' -f3)"
		[ "$2" != 200 ] && printf '  reason: %s' "$(head -c 120 "$work/body")"
		echo
	fi
}

echo "== curl"
check "ready" 200 "http://$addr/ready"
check "delay 0, 1 KiB" 200 "http://$addr/io?delay=0s&size=1024" 1024
check "delay 100ms, 64 KiB" 200 "http://$addr/io?delay=100ms&size=65536" 65536
check "lognormal around 20ms" 200 "http://$addr/io?delay=20ms&size=10&dist=lognormal&jitter=0.5" 10
check "delay over cap" 400 "http://$addr/io?delay=5s&size=1"
check "size over cap" 400 "http://$addr/io?delay=0s&size=2000000"
check "bad delay" 400 "http://$addr/io?delay=soon&size=1"
check "unknown endpoint" 404 "http://$addr/nope"

echo "== keep-alive: 20 requests on one curl"
args=()
for _ in $(seq 20); do args+=(-o /dev/null "http://$addr/io?delay=1ms&size=512"); done
conns=$(curl -s -w '%{num_connects}\n' --max-time 20 "${args[@]}" | awk '{n += $1} END {print n}')
echo "20 requests used $conns new connection(s)"
[ "$conns" = 1 ] || { echo "FAIL: keep-alive not used"; fail=1; }

if command -v wrk >/dev/null; then
	echo "== wrk: 3 s, 2 threads, 32 connections, delay 10ms, 1 KiB"
	wrk -t2 -c32 -d3s --timeout 5s "http://$addr/io?delay=10ms&size=1024" | sed -n '1,12p'
	echo "== wrk: 3 s, 2 threads, 32 connections, delay 0, 1 KiB"
	wrk -t2 -c32 -d3s --timeout 5s "http://$addr/io?delay=0s&size=1024" | sed -n '1,12p'
elif command -v hey >/dev/null; then
	echo "== hey: 2000 requests, 32 workers, delay 10ms, 1 KiB"
	hey -n 2000 -c 32 "http://$addr/io?delay=10ms&size=1024" | sed -n '1,12p'
else
	echo "== no wrk or hey installed (apt-get install wrk); skipped the load test"
fi

echo "== stop (SIGTERM)"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=
tail -n1 "$work/out"
if [ "$status" != 0 ]; then echo "FAIL: server exited with status $status"; cat "$work/err"; fail=1; fi

echo "== summary"
if [ "$fail" = 0 ]; then echo "serve-check: PASS (server at $addr answered curl${conns:+, keep-alive ok}, stopped cleanly)"; else echo "serve-check: FAIL"; fi
exit "$fail"
