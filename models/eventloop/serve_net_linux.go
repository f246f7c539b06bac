//go:build linux

package eventloop

import (
	"fmt"

	"concbench/models"
	"concbench/workload"
)

// The server as the Net client's owner (netOwner): k is a client
// connection whose request's task waits in a Net step. The step's request
// to the latency server runs on the loop's own epoll set, so hundreds of
// handlers can wait on it at once while the one thread serves the rest. A
// connection closed by its client while its Net step is in flight is dead
// (see closeConn): the step's end frees its slot.

func (s *loopServer) netStep(id int32) (*workload.Step, uint64) {
	c := s.conns[id]
	t := &s.h.Tasks[c.task]
	return &t.Steps[c.step], workload.NetSeed(t.ID, int(c.step))
}

func (s *loopServer) netDone(id int32, digest uint64) { s.resume(id, digest) }

// netFail answers the request 500 with the failed step named, as the
// blocking servers do (models.Handling.RunTask).
func (s *loopServer) netFail(id int32, err error) {
	if s.reap(id) {
		return
	}
	c := s.conns[id]
	t := &s.h.Tasks[c.task]
	s.answerError(id, fmt.Errorf("task %d: %w", t.ID, models.StepError(int(c.step), t.Steps[c.step], err)))
}
