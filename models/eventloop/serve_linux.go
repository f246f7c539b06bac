//go:build linux

package eventloop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"

	"concbench/models"
	"concbench/workload"
	"concbench/workload/taskhttp"
)

var _ models.Server = (*model)(nil)

// The server's callbacks (a reactor runs one handler: the engine's ops and
// these never meet).
const (
	// opAccept: the listening socket has connections to accept.
	opAccept op = opModel + iota
	// opSrvConn: connection arg is readable or writable.
	opSrvConn
	// opSrvWake: connection arg's task finished its Sleep.
	opSrvWake
	// opSrvJob: connection arg's task finished its offloaded File step.
	opSrvJob
)

// srvConn is one client connection: its buffers and the state of the task
// its current request runs (task < 0: none).
type srvConn struct {
	fd      int
	in, out []byte
	task    int32
	step    int32
	acc     uint64
	nonce   uint64
	writing bool
	// owed: an answer is being written (counted as served once out);
	// closing: close once the output is out; dead: closed while its task
	// waits for a timer or pool job, so the slot is freed only when that
	// callback comes back (a reused slot would get a stale wake-up).
	owed, closing, dead bool
}

// loopServer is the event-loop server: ONE OS thread running the reactor,
// which accepts, reads, parses, runs each request's task as a state
// machine (a Sleep is a loop timer, a Net step a non-blocking request to
// the latency server on a keep-alive connection in the same epoll set, a
// File read goes to the thread pool, a CPU or Block step runs on the loop
// and stalls every connection), and writes the answers.
type loopServer struct {
	h     *models.Handling
	r     *reactor
	lfd   int
	conns []*srvConn
	free  []int32
	files *workload.FileSet
	net   *netClient
	pid   int
	err   error
}

// Serve runs the server on the calling goroutine, locked to its OS thread.
func (m *model) Serve(ctx context.Context, h *models.Handling) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f, err := h.Listener.File() // a dup of the listening socket, blocking
	if err != nil {
		return fmt.Errorf("eventloop server: %w", err)
	}
	defer f.Close()
	lfd := int(f.Fd())
	if err := unix.SetNonblock(lfd, true); err != nil {
		return fmt.Errorf("eventloop server: %w", os.NewSyscallError("set nonblock", err))
	}
	s := &loopServer{h: h, lfd: lfd, pid: os.Getpid()}
	if len(h.Env.Files) > 0 {
		if s.files, err = workload.OpenFiles(h.Env.Files, h.Env.Direct); err != nil {
			return fmt.Errorf("eventloop server: %w", err)
		}
	}
	if s.r, err = newReactor(time.Now(), m.threads); err != nil {
		return fmt.Errorf("eventloop server: %w", err)
	}
	conns := models.Conns(0, 1<<20) // the keep-alive pool of the blocking servers (Handling.NewExec)
	if h.Env.Conns > 0 {
		conns = h.Env.Conns
	}
	s.net = newNetClient(s.r, s, h.Env.ServerAddr, conns, h.Env.Timeout())
	if err := s.r.poll.add(lfd, unix.EPOLLIN, opAccept, 0); err != nil {
		s.r.close()
		return fmt.Errorf("eventloop server: %w", err)
	}
	h.MarkReady()
	unhook := onCancel(s.r, ctx)
	runErr := s.r.run(s)
	unhook()
	for id, c := range s.conns {
		if c != nil {
			s.closeConn(int32(id))
		}
	}
	s.net.closeAll()
	h.Listener.Close()
	err = errors.Join(runErr, s.err, s.r.close())
	if s.files != nil {
		err = errors.Join(err, s.files.Close())
	}
	if err != nil {
		return fmt.Errorf("eventloop server: %w", err)
	}
	return nil
}

func (s *loopServer) done() bool { return s.err != nil }

func (s *loopServer) tick() bool {
	s.net.recycle()
	return false
}

func (s *loopServer) dispatch(ev event) {
	switch ev.op {
	case opAccept:
		s.accept()
	case opSrvConn:
		s.ready(ev.arg, ev.mask)
	case opSrvWake:
		s.resume(ev.arg, 0)
	case opConn:
		s.net.connReady(ev.arg, ev.mask)
	case opNetTimeout:
		s.net.netTimeout(ev.arg)
	}
}

func (s *loopServer) complete(c completion) {
	if s.reap(c.arg) {
		return
	}
	if c.err != nil {
		s.answerError(c.arg, c.err)
		return
	}
	s.resume(c.arg, c.val)
}

// accept takes every pending connection (level-triggered: what is left
// comes back next iteration).
func (s *loopServer) accept() {
	for k := 0; k < eventBatch; k++ {
		fd, _, err := unix.Accept4(s.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err == unix.EAGAIN || err == unix.ECONNABORTED || err == unix.EINTR {
			return
		}
		if err != nil {
			s.err = os.NewSyscallError("accept4", err)
			return
		}
		id := s.slot(fd)
		if err := s.r.poll.add(fd, unix.EPOLLIN|unix.EPOLLRDHUP, opSrvConn, id); err != nil {
			s.err = err
			return
		}
		s.h.ConnOpened()
	}
}

func (s *loopServer) slot(fd int) int32 {
	c := &srvConn{fd: fd, task: -1, in: make([]byte, 0, 512)}
	if n := len(s.free); n > 0 {
		id := s.free[n-1]
		s.free = s.free[:n-1]
		s.conns[id] = c
		return id
	}
	s.conns = append(s.conns, c)
	return int32(len(s.conns) - 1)
}

func (s *loopServer) closeConn(id int32) {
	c := s.conns[id]
	if c == nil || c.dead {
		return
	}
	_ = s.r.poll.remove(c.fd)
	unix.Close(c.fd)
	s.h.ConnClosed()
	if c.task >= 0 {
		c.dead = true
		return
	}
	s.conns[id] = nil
	s.free = append(s.free, id)
}

// reap frees the slot of a connection closed while its task waited, when
// that wait's callback arrives; it reports whether the slot is gone.
func (s *loopServer) reap(id int32) bool {
	c := s.conns[id]
	if c == nil {
		return true
	}
	if c.dead {
		s.conns[id] = nil
		s.free = append(s.free, id)
		return true
	}
	return false
}

// ready handles readiness of connection id: flush pending output, read
// what arrived, and start the next request's task if none runs.
func (s *loopServer) ready(id int32, mask uint32) {
	c := s.conns[id]
	if c == nil || c.dead {
		return
	}
	if c.writing && mask&unix.EPOLLOUT != 0 {
		if !s.flush(id) {
			return
		}
	}
	if mask&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		for {
			if len(c.in) == cap(c.in) {
				c.in = append(c.in, 0)[:len(c.in)]
			}
			n, err := unix.Read(c.fd, c.in[len(c.in):cap(c.in)])
			if n > 0 {
				c.in = c.in[:len(c.in)+n]
				continue
			}
			if err == unix.EAGAIN {
				break
			}
			if err == unix.EINTR {
				continue
			}
			// EOF or a reset: the client is gone.
			s.closeConn(id)
			return
		}
	}
	s.next(id)
}

// next starts the task of the request at the head of connection id's
// input, if no task runs and a whole request is there.
func (s *loopServer) next(id int32) {
	c := s.conns[id]
	if c.task >= 0 || c.writing {
		return
	}
	i, nonce, n, err := taskhttp.ParseRequest(c.in)
	if err != nil {
		s.answerError(id, err)
		return
	}
	if n == 0 {
		return
	}
	c.in = c.in[:copy(c.in, c.in[n:])]
	if i >= len(s.h.Tasks) {
		s.answerError(id, fmt.Errorf("task index %d out of range (%d tasks)", i, len(s.h.Tasks)))
		return
	}
	c.task, c.step, c.acc, c.nonce = int32(i), 0, 0, nonce
	s.advance(id)
}

// advance runs connection id's task from its current step until a step
// waits (a timer, a pool job) or the task ends.
func (s *loopServer) advance(id int32) {
	c := s.conns[id]
	t := &s.h.Tasks[c.task]
	for ; int(c.step) < len(t.Steps); c.step++ {
		st := &t.Steps[c.step]
		var out uint64
		switch st.Kind {
		case workload.Noop:
		case workload.CPU:
			out = workload.RunCPU(st.Kernel, st.Units, workload.CPUSeed(t.ID, c.nonce))
		case workload.Block:
			workload.BlockThread(st.Dur)
		case workload.Sleep:
			s.r.addTimer(s.r.now()+int64(st.Dur), opSrvWake, id)
			return
		case workload.File:
			if s.files == nil {
				s.answerError(id, workload.ErrNoFiles)
				return
			}
			files, task, step, nonce := s.files, *t, *st, c.nonce
			s.r.submit(func(int32) (uint64, error) { return files.Read(task, step, nonce) }, opSrvJob, id)
			return
		case workload.Net:
			if err := s.net.start(id); err != nil {
				s.netFail(id, err)
			}
			return
		default:
			s.answerError(id, fmt.Errorf("step %v not served by the event loop", st))
			return
		}
		c.acc = workload.Mix(c.acc, out)
	}
	// The thread that ran the task's last step answers: gettid now, not
	// once at start, so the answer reports where the work really ran.
	a := taskhttp.Answer{Digest: c.acc, Tid: int(models.Gettid()), Pid: s.pid}
	c.task = -1
	c.out = taskhttp.AppendResponse(c.out, a, false)
	c.owed = true
	if s.flush(id) {
		s.next(id)
	}
}

// resume continues connection id's task after its waiting step gave out.
func (s *loopServer) resume(id int32, out uint64) {
	if s.reap(id) {
		return
	}
	c := s.conns[id]
	c.acc = workload.Mix(c.acc, out)
	c.step++
	s.advance(id)
}

// answerError answers 500 and closes the connection once written.
func (s *loopServer) answerError(id int32, err error) {
	c := s.conns[id]
	c.task = -1
	c.out = taskhttp.AppendError(c.out, err.Error())
	c.closing = true
	s.flush(id)
}

// flush writes connection id's pending output; it reports whether all of
// it went out and the connection stays open (else it waits for EPOLLOUT,
// or the connection was closed).
func (s *loopServer) flush(id int32) bool {
	c := s.conns[id]
	for len(c.out) > 0 {
		n, err := unix.Write(c.fd, c.out)
		if n > 0 {
			c.out = c.out[:copy(c.out, c.out[n:])]
			continue
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			if !c.writing {
				c.writing = true
				if err := s.r.poll.modify(c.fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP, opSrvConn, id); err != nil {
					s.err = err
				}
			}
			return false
		}
		s.closeConn(id)
		return false
	}
	if c.owed {
		c.owed = false
		s.h.Served.Add(1)
	}
	if c.closing {
		s.closeConn(id)
		return false
	}
	if c.writing {
		c.writing = false
		if err := s.r.poll.modify(c.fd, unix.EPOLLIN|unix.EPOLLRDHUP, opSrvConn, id); err != nil {
			s.err = err
		}
	}
	return true
}
