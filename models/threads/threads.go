// Package threads is the thread-per-task model, the 1:1 design that
// goroutines and event loops are usually compared against (Apache's worker
// MPM, Java before virtual threads): every task in flight runs on an OS
// thread of its own that runs nothing else while the task lives.
//
// Each task's goroutine calls runtime.LockOSThread for the task's life:
// while it is locked no other goroutine may run on its thread, so a task
// that blocks (a sleep, a socket read, a pread) holds a real OS thread
// asleep in the kernel, and the runtime must create a new thread for the
// next task. At the end the goroutine unlocks, and its thread joins the
// runtime's idle threads, from which the next task's goroutine takes it:
// threads are created on demand up to the peak in flight and reused, as
// Java's cached thread pool does (without its idle timeout).
//
// Note: the alternative, returning while still locked so that the runtime
// destroys the thread (one thread created per task), was built and
// rejected: the runtime may hand a task any idle thread, including the one
// that started a child process with a parent-death signal (the latency
// server, multiproc workers), and Linux sends that signal when the
// creating THREAD exits, so destroying threads killed the latency server
// mid-trial. Creation cost per task is measured apart (BenchmarkSpawn).
//
// The Go runtime aborts the process when it exceeds its thread limit
// (debug.SetMaxThreads, 10000 by default), and the kernel refuses threads
// beyond RLIMIT_NPROC, kernel.threads-max and kernel.pid_max. So the model
// bounds its tasks in flight by the machine's thread budget (Budget) and
// raises the runtime's limit to that bound plus a reserve, never lowering
// it.
//
// GOMAXPROCS defaults to PerCPU (4) times the CPUs, not to the CPUs as for
// goroutines. In the 1:1 design the kernel alone schedules the threads;
// in Go a thread must also hold one of GOMAXPROCS Ps to run Go code, and a
// locked thread that blocks or wakes passes its P through the scheduler
// to another thread (a futex wake and a context switch each time). At
// GOMAXPROCS = CPUs those hand-offs queue on two Ps on a 2-core machine: a
// second scheduler the design does not have, which set the pace at which
// threads started. Measured on the 2-core VM (`concbench run --model
// threads --workload io-sleep --tasks 10000 --gomaxprocs P`, P interleaved,
// 5 runs each, load average 1-4), tasks/s, OS threads, CPU µs per task:
// P=2 26,800-30,800, 1,150-1,540, 30-33 (825-1,410 threads over 8 earlier
// runs); P=4 32,800-44,200, 1,080-1,530, 25-31; P=8 39,900-48,500,
// 1,310-1,470, 25-29; P=16 36,800-51,200, 1,500-1,860, 26-34; P=32
// 28,700-47,500, 1,920-2,670, 31-41 (more threads, not faster: woken
// threads queue for Ps and each P adds to the runtime's own work). Ten
// more runs each: P=8 median 47,900 tasks/s, 1,384 threads (1,276-1,718),
// 24.7 µs; P=16 49,800, 1,756, 28.1 µs. P=8, the least CPU per task at
// the top speed, is 4 per CPU. CPU-bound tasks then share the cores by
// the kernel's time slices, as 1:1 threads do. --gomaxprocs overrides it.
package threads

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// PerCPU is the default GOMAXPROCS per CPU (see the package doc).
const PerCPU = 4

// Procs is the model's default GOMAXPROCS: PerCPU times the CPUs.
func Procs() int { return PerCPU * runtime.NumCPU() }

// reserve is the number of threads left for everything else in the process
// (the runtime's own Ms, the sampler, the file and net helpers).
const reserve = 256

func init() {
	models.Register(models.Info{
		Name:   "threads",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPerTask, Parallel: true, OSThreads: true,
		Rank:           35,
		Doc:            "one OS thread per task in flight (a goroutine locked to it for the task's life), optional limit",
		Procs:          Procs,
		Concurrency:    func() int { return Budget() },
		ConcurrencyDoc: "at most C threads (tasks) at once; default and maximum: this machine's thread budget",
		New:            New,
	})
}

// New makes a threads model; Config.Concurrency bounds the tasks (threads)
// in flight and must fit the machine's thread budget.
func New(c models.Config) (models.Model, error) {
	b := Budget()
	if b <= 0 {
		return nil, fmt.Errorf("threads: %w", budgetErr())
	}
	limit := c.Concurrency
	if limit <= 0 {
		limit = b
	}
	if limit > b {
		return nil, fmt.Errorf("threads: concurrency %d exceeds this machine's thread budget %d (%s)", limit, b, BudgetDoc())
	}
	return model{limit: limit}, nil
}

type model struct{ limit int }

// Run starts a goroutine per released task, at most limit at once; each
// locks itself to a fresh OS thread for the task's life.
func (m model) Run(ctx context.Context, tr *models.Trial) error {
	raiseMaxThreads(m.limit + reserve)
	ex, err := workload.NewExec(tr.Env, models.Conns(m.limit, len(tr.Tasks)))
	if err != nil {
		return err
	}
	defer ex.Close()
	return models.RunPerTask(ctx, tr, ex, m.limit, runTask)
}

// runTask is the body of one task's thread: the goroutine holds its OS
// thread for the task's life, then gives it back to the runtime's idle
// threads for a later task.
func runTask(tr *models.Trial, ex *workload.Exec, i int, sem chan struct{}, wg *sync.WaitGroup) {
	runtime.LockOSThread()
	tr.RunBlocking(ex, i)
	runtime.UnlockOSThread()
	<-sem
	wg.Done()
}

var maxMu sync.Mutex
var maxThreads = 10000 // the runtime's default

// raiseMaxThreads raises the runtime's thread limit to at least n. It
// never lowers it: a thread of a finished task may still be exiting.
func raiseMaxThreads(n int) {
	maxMu.Lock()
	defer maxMu.Unlock()
	if n > maxThreads {
		debug.SetMaxThreads(n)
		maxThreads = n
	}
}
