//go:build linux

package eventloop

import "concbench/workload"

// This file holds the hooks of the real-I/O issue: Net steps on
// non-blocking sockets and File steps on the thread pool. Each start
// function either returns an error (the task fails with it) or registers
// interest and returns nil; the task then continues from a callback:
//
//   - Net: connect (or take an idle keep-alive socket), register the fd
//     with e.r.poll.add(fd, EPOLLIN|EPOLLOUT, opConn, i), write the request
//     from httpwire.AppendRequest, feed reads to an httpwire.Parser in
//     connReady, and call e.resume(i, uint64(body bytes)) when it is done.
//     Per-connection state belongs in a table indexed by connection, not
//     by task, so idle tasks stay at 16 bytes.
//   - File: e.r.submit(e.fileJob, opJobDone, i) runs the read on a pool
//     thread; complete resumes the task with the bytes read.

// startNet begins Net step s of task i. The latency-server client is not
// written yet, so every Net step fails with workload.ErrNoServer.
func (e *engine) startNet(i int32, s *workload.Step) error {
	return workload.ErrNoServer
}

// connReady continues task i when its socket reports events (epoll mask).
func (e *engine) connReady(i int32, events uint32) {}

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
	return e.readFile(t, t.Steps[e.st[arg].step])
}
