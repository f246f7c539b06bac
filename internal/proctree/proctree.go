// Package proctree finds a process's descendants from outside, in /proc,
// at a cost that does not grow with its thread count.
//
// Linux lists a process's children per thread, in
// /proc/PID/task/TID/children (the thread that forked them). Reading one
// file per thread cost 12.6 ms per walk of a process holding 1,500 threads
// (a thread-per-task model at its peak; BenchmarkTree on a 2-core VM), most
// of a 20 ms sampling period, on the cores the model runs on. Reading every
// process's parent in /proc/PID/stat costs a file per process on the
// machine instead (2.0 ms there, ~70 processes). Tree takes, for each
// process, whichever of the two reads fewer files (1.4 ms).
package proctree
