// Package bench is concbench's harness. It turns a Spec into a trial (the
// tasks, the load shape, the model), runs it in-process (Run) or in a fresh
// child process of the same binary (RunIsolated, as JMH forks a JVM), and
// measures it: per-task latency, wait and service; CPU of the whole process
// tree inside the trial window; memory at the plateau; context switches,
// threads, runtime scheduling and GC; and the machine it ran on
// (CollectMeta). After every trial it checks the invariants a correct
// measurement must satisfy (Little's law under closed load, CPU within what
// the model may use, every step proven, the open load's offered rate, the
// latency and makespan floors) and records them with the result.
//
// RunRepeated repeats a trial (adaptively, until the median's confidence
// interval is tight), Sweep runs a Suite (a matrix of experiments) into a
// results directory, and the built-in suites quick and default are what
// `make report` publishes. The results schema it writes lives in the leaf
// package resultfmt; bench aliases its types (Spec, Result, File, ...).
//
// Benchmarks (BenchmarkModels, BenchmarkOverhead) have benchstat-friendly
// key=value names.
package bench
