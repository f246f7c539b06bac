#!/usr/bin/env bash
# runner-tax.sh: issue 18's acceptance measurement. Each Python and Node.js
# model beside its idiomatic program (the hidden "MODEL-idiomatic"
# calibration, runtimes/idiomatic.go) on the same batch, alternated ROUNDS
# times in one window (model first in odd rounds, idiomatic first in even
# ones), printing per round and as the median over rounds:
#   overhead  µs per task of makespan beyond the ideal (the sleep, once per
#             round of a bounded concurrency; 0 for no-op tasks), the
#             report's formula (report/analysis_tax.go)
#   CPU       µs of CPU per task of the runner's whole process tree
#   memory    bytes per in-flight task at the plateau (io-sleep)
# and tax = model / idiomatic for each. The batches:
#   io-sleep 100 ms x 100,000 tasks: node-eventloop, py-asyncio, py-uvloop
#   io-sleep 100 ms x 640 tasks:     py-threads (W = 32 workers: 20 rounds)
#   io-sleep 800 ms x 1,000 tasks:   py-threads, one thread per task (the
#                                    report's memory cell)
#   noop x 100,000 tasks:            node-eventloop, py-asyncio, py-uvloop
#   noop x 30,000 / 300,000 tasks:   py-threads / py-sequential
# Usage: scripts/runner-tax.sh [ROUNDS]   (default 3; CONCBENCH=path to use
# a built binary, else it is built into a temporary directory;
# BEFORE=path to another build also runs its models in every round, after
# the pair, and prints their figures as "before"). Runs about a minute per
# round on 2 cores. Exit status: 0, or 1 if a trial failed.
set -euo pipefail

rounds=${1:-3}
case $rounds in '' | *[!0-9]* | 0) echo "runner-tax.sh: ROUNDS must be a positive integer, not '$rounds'" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/runner-tax.XXXXXX")
trap 'rm -rf "$work"' EXIT
cb=${CONCBENCH:-}
if [ -z "$cb" ]; then
	cb=$work/concbench
	go build -o "$cb" ./cmd/concbench
fi

# batch NAME MODELS ARGS...: one run of MODELS (each beside its
# calibration) on one batch, model and calibration in the round's order.
batch() {
	local name=$1 models=$2 r=$3
	shift 3
	local list="" m
	for m in ${models//,/ }; do
		if ((r % 2)); then list+="$m,$m-idiomatic,"; else list+="$m-idiomatic,$m,"; fi
	done
	run "$cb" "${list%,}" "r$r-$name" "$@"
	if [ -n "${BEFORE:-}" ]; then run "$BEFORE" "$models" "b$r-$name" "$@"; fi
}

# run BINARY MODELS OUT ARGS...: one concbench run into $work/OUT.json.
run() {
	local bin=$1 models=$2 out=$3
	shift 3
	"$bin" run --model "$models" "$@" --json >"$work/$out.json" 2>"$work/$out.err" || {
		echo "runner-tax.sh: $out ($bin) failed:" >&2
		cat "$work/$out.err" >&2
		exit 1
	}
}

echo "runner tax: $rounds rounds, $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
	batch sleep100k node-eventloop,py-asyncio,py-uvloop "$r" --workload io-sleep --sleep 100ms --tasks 100000
	batch sleep640 py-threads "$r" --workload io-sleep --sleep 100ms --tasks 640
	batch sleep1000 py-threads "$r" --workload io-sleep --sleep 800ms --tasks 1000 --concurrency 1000
	batch noop100k node-eventloop,py-asyncio,py-uvloop "$r" --workload noop --tasks 100000
	batch noop30k py-threads "$r" --workload noop --tasks 30000
	batch noop300k py-sequential "$r" --workload noop --tasks 300000
done
echo "load average at end $(cut -d' ' -f1-3 /proc/loadavg)"

# The floor of a stamped task: what the runners write per task (two clock
# reads, four record slots) in a loop with nothing else, beside the
# idiomatic no-op call, CPU µs per task, median of 5 (py-sequential's noop
# tax is mostly this).
"${CONCBENCH_PYTHON:-python3}" - <<'PY'
import array, statistics, time
n, now = 300000, time.monotonic_ns
def stamps():
    start, end, res, who = (array.array(c, bytes(s * n)) for c, s in (("q", 8), ("q", 8), ("Q", 8), ("i", 4)))
    c0 = time.process_time()
    for i in range(n):
        start[i] = now()
        who[i] = 1
        res[i] = 2
        end[i] = now()
    return (time.process_time() - c0) / n * 1e6
def call():
    def f(_):
        return 2
    c0 = time.process_time()
    [f(i) for i in range(n)]
    return (time.process_time() - c0) / n * 1e6
print("stamp floor, Python: two clock reads + four record writes %.3f µs/task; a no-op call %.3f µs/task" % (
    statistics.median(stamps() for _ in range(5)), statistics.median(call() for _ in range(5))))
PY
"${CONCBENCH_NODE:-node}" -e '
const n = 1e6, now = process.hrtime.bigint, med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
const run = (f) => { const c = process.cpuUsage(); f(); const d = process.cpuUsage(c); return (d.user + d.system) / n; };
const stamps = () => { const s = new BigInt64Array(n), e = new BigInt64Array(n), r = new BigUint64Array(n), w = new Int32Array(n);
  for (let i = 0; i < n; i++) { s[i] = now(); w[i] = 1; r[i] = 2n; e[i] = now(); } };
const call = () => { const r = new Array(n), f = () => 2; for (let i = 0; i < n; i++) r[i] = f(i); };
const a = [], b = []; for (let k = 0; k < 5; k++) { a.push(run(stamps)); b.push(run(call)); }
console.log(`stamp floor, Node.js: two clock reads + four record writes ${med(a).toFixed(3)} µs/task; a no-op call ${med(b).toFixed(3)} µs/task`);'

python3 - "$work" <<'EOF'
import glob, json, os, re, statistics, sys

def overhead(t):
    s = t["spec"]
    n = s["tasks"]
    ideal = 0.0
    if s["workload"] == "io-sleep":
        c = t.get("resolved", {}).get("concurrency", 0)
        rounds = (n + c - 1) // c if c and n > c else 1
        ideal = rounds * s["params"]["sleep_ns"] / 1e9
    return (t["makespan_s"] - ideal) / n * 1e6

def cpu(t):
    return (t.get("cpu_user_s", 0) + t.get("cpu_sys_s", 0)) / max(1, t["completed"]) * 1e6

def ratio(a, b):
    return a / b if a > 0 and b > 0 else 0

def trials(f):
    by = {}
    for t in json.load(open(f))["trials"]:
        if t["completed"] != t["spec"]["tasks"]:
            sys.exit("runner-tax.sh: %s: %s completed %d of %d tasks" % (f, t["spec"]["model"], t["completed"], t["spec"]["tasks"]))
        by[t["spec"]["model"]] = t
    return by

def label(t):
    return "%s %s x%d" % (t["spec"]["model"], t["spec"]["workload"], t["spec"]["tasks"])

rows = {}  # "model workload xN" -> per round (round, overhead, CPU, memory: each (model, idiomatic))
before = {}  # the same key -> [(overhead, CPU)] of the BEFORE build
for f in sorted(glob.glob(os.path.join(sys.argv[1], "b*.json"))):
    for t in trials(f).values():
        before.setdefault(label(t), []).append((overhead(t), cpu(t)))
for f in sorted(glob.glob(os.path.join(sys.argv[1], "r*.json"))):
    r, name = re.match(r"r(\d+)-(.*)\.json", os.path.basename(f)).groups()
    by = trials(f)
    for m, t in by.items():
        if m.endswith("-idiomatic"):
            continue
        i = by[m + "-idiomatic"]
        mem = (t.get("mem_per_inflight_bytes", 0), i.get("mem_per_inflight_bytes", 0))
        if t["spec"]["workload"] != "io-sleep" or t.get("plateau_inflight") != i.get("plateau_inflight"):
            mem = (0, 0)  # no-op tasks, or not the same tasks in flight: not comparable
        rows.setdefault(label(t), []).append((int(r), (overhead(t), overhead(i)), (cpu(t), cpu(i)), mem))

fmt = "%-34s %5s  %8s %8s %6s  %8s %8s %6s  %9s %9s %6s"
print(fmt % ("model batch", "round", "over µs", "idiom.", "tax", "CPU µs", "idiom.", "tax", "mem B", "idiom.", "tax"))
def show(key, rnd, ov, c, mem):
    print(fmt % (key, rnd, "%.2f" % ov[0], "%.2f" % ov[1], "%.2fx" % ratio(*ov), "%.2f" % c[0], "%.2f" % c[1], "%.2fx" % ratio(*c),
                 "%.0f" % mem[0] if mem[0] else "–", "%.0f" % mem[1] if mem[1] else "–", "%.2fx" % ratio(*mem) if ratio(*mem) else "–"))
for key, rs in rows.items():
    for rnd, ov, c, mem in sorted(rs):
        show(key, rnd, ov, c, mem)
print()
print("median over rounds (ratios are medians of the per-round ratios)")
print(fmt % ("model batch", "", "over µs", "idiom.", "tax", "CPU µs", "idiom.", "tax", "mem B", "idiom.", "tax"))
med = statistics.median
for key, rs in rows.items():
    m = lambda f: med(f(x) for x in rs)
    mt = [ratio(*x[3]) for x in rs if ratio(*x[3])]
    print(fmt % (key, "med", "%.2f" % m(lambda x: x[1][0]), "%.2f" % m(lambda x: x[1][1]), "%.2fx" % m(lambda x: ratio(*x[1])),
                 "%.2f" % m(lambda x: x[2][0]), "%.2f" % m(lambda x: x[2][1]), "%.2fx" % m(lambda x: ratio(*x[2])),
                 "%.0f" % m(lambda x: x[3][0]) if any(x[3][0] for x in rs) else "–", "%.0f" % m(lambda x: x[3][1]) if any(x[3][1] for x in rs) else "–",
                 "%.2fx" % med(mt) if mt else "–"))
if before:
    print()
    print("before (BEFORE's model, same rounds) -> after (this build's), medians")
    for key, rs in rows.items():
        if key in before:
            b = before[key]
            print("%-34s overhead %8.2f -> %8.2f µs/task   CPU %8.2f -> %8.2f µs/task   (idiomatic %.2f / %.2f)" % (
                key, med(x[0] for x in b), med(x[1][0] for x in rs), med(x[1] for x in b), med(x[2][0] for x in rs),
                med(x[1][1] for x in rs), med(x[2][1] for x in rs)))
EOF
