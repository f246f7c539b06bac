//go:build linux

package eventloop

import "concbench/workload"

// The loop's real I/O. Each start function either returns an error (the
// task fails with it) or registers interest and returns nil; the task then
// continues from a callback:
//
//   - Net (net_linux.go): an idle keep-alive socket or a new non-blocking
//     one, registered once with the loop's epoll (edge-triggered), the
//     request from httpwire.AppendRequest, the response fed to the
//     connection's httpwire.Parser in connReady (its body digested as it
//     arrives), then e.resume(i, body digest). Connection state lives in
//     the table of conntable_linux.go indexed by connection, not by task,
//     so a waiting task stays at 16 bytes.
//   - File (below): regular files are not pollable (epoll refuses them), so
//     the read runs on a pool thread: e.r.submit(e.fileJob, opJobDone, i);
//     the completion comes back through the eventfd and complete resumes
//     the task on the loop thread with the digest of the bytes read
//     (workload.FileSet.Read, threadpool_linux.go).

// startFile offloads File step s of task i to the thread pool, or fails
// with workload.ErrNoFiles when the model has no file reader.
func (e *engine) startFile(i int32, s *workload.Step) error {
	if e.readFile == nil {
		return workload.ErrNoFiles
	}
	e.r.submit(e.fileJob, opJobDone, i)
	return nil
}

// runFileJob performs task arg's current File step; it runs on a pool
// thread while the task is suspended, so the loop does not touch the
// task's state meanwhile.
func (e *engine) runFileJob(arg int32) (uint64, error) {
	t := e.tasks[arg]
	return e.readFile(t, t.Steps[e.st[arg].step], e.nonce)
}
