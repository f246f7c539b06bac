package multiproc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"concbench/workload"
)

// The wire protocol between the parent and a worker is a stream of
// length-prefixed binary frames in each direction:
//
//	frame  = length:u32le  type:u8  body:[length-1]byte
//	hello  'H' JSON of hello (parent -> worker, once, at start)
//	ready  'Y' pid:u32 version:u16 (worker -> parent, once, after hello)
//	task   'T' slot:u32 id:u32 nonce:u64 nsteps:u16 nsteps*(kind:u8 kernel:u8 units:u32 dur:i64 size:i64 off:i64)
//	result 'R' slot:u32 pid:u32 inner:i64 result:u64 ncpu:u16 ncpu*(start:i64 end:i64)
//	error  'E' slot:u32 pid:u32 step:u16 message:[]byte
//
// slot is the task's index in the trial, so the parent needs no lookup
// table; id is workload.Task.ID; nonce is the trial's (models.Trial.Nonce),
// which the CPU and File outputs depend on: workers start before the
// clock, so it travels with every task, and a task reaches a worker only
// after time zero. CPU intervals are CLOCK_MONOTONIC ns,
// comparable across processes. Only the hello is JSON; the hot path is
// fixed-layout little-endian.
//
// Note: gob and JSON were rejected for tasks and results: they allocate
// and reflect per message, which would dominate a no-op round trip.

// Frame types.
const (
	frameHello  = 'H'
	frameReady  = 'Y'
	frameTask   = 'T'
	frameResult = 'R'
	frameError  = 'E'
)

// Protocol limits.
const (
	// protocolVersion is checked in the ready frame.
	protocolVersion = 2
	// MaxFrame bounds a frame's length field; anything larger is corrupt.
	MaxFrame = 1 << 20
	// maxSteps bounds a task's steps so its frame fits MaxFrame.
	maxSteps  = (MaxFrame - 16) / stepSize
	stepSize  = 1 + 1 + 4 + 8 + 8 + 8
	taskHead  = 4 + 4 + 8 + 2
	resultFix = 4 + 4 + 8 + 8 + 2
	errorHead = 4 + 4 + 2
	readyBody = 4 + 2
	// maxErrorMsg bounds the message of an error frame.
	maxErrorMsg = 4096
)

// ErrCorrupt is wrapped by every decoding error: the peer sent bytes that
// are not a valid frame.
var ErrCorrupt = errors.New("corrupt frame")

// ErrTruncated is wrapped when the stream ends inside a frame.
var ErrTruncated = errors.New("truncated frame")

// frameReader reads frames from a byte stream, reusing one buffer: the body
// returned by next is valid until the following call.
type frameReader struct {
	r   io.Reader
	hdr [4]byte
	buf []byte
	// n counts bytes read, for the ipc_bytes figure.
	n int64
}

// next returns the next frame's type and body. A stream that ends cleanly
// between frames returns io.EOF; one that ends inside a frame returns an
// error wrapping ErrTruncated; a length out of range wraps ErrCorrupt.
func (fr *frameReader) next() (typ byte, body []byte, err error) {
	if _, err := io.ReadFull(fr.r, fr.hdr[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("%w: stream ended inside a frame header", ErrTruncated)
		}
		return 0, nil, err
	}
	n := binary.LittleEndian.Uint32(fr.hdr[:])
	if n == 0 || n > MaxFrame {
		return 0, nil, fmt.Errorf("%w: length %d out of range (allowed 1..%d)", ErrCorrupt, n, MaxFrame)
	}
	if cap(fr.buf) < int(n) {
		fr.buf = make([]byte, n)
	}
	fr.buf = fr.buf[:n]
	if _, err := io.ReadFull(fr.r, fr.buf); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil, fmt.Errorf("%w: stream ended inside a %d-byte frame", ErrTruncated, n)
		}
		return 0, nil, err
	}
	fr.n += 4 + int64(n)
	return fr.buf[0], fr.buf[1:], nil
}

// beginFrame appends a frame header of type typ with a placeholder length;
// endFrame fills the length in once the body is appended.
func beginFrame(b []byte, typ byte) ([]byte, int) {
	at := len(b)
	b = append(b, 0, 0, 0, 0, typ)
	return b, at
}

func endFrame(b []byte, at int) []byte {
	binary.LittleEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	return b
}

// appendRaw appends a frame with an opaque body (hello).
func appendRaw(b []byte, typ byte, body []byte) []byte {
	b, at := beginFrame(b, typ)
	b = append(b, body...)
	return endFrame(b, at)
}

// appendTask appends the task frame of t at trial index slot in a trial
// with nonce.
func appendTask(b []byte, slot int, t workload.Task, nonce uint64) []byte {
	b, at := beginFrame(b, frameTask)
	b = binary.LittleEndian.AppendUint32(b, uint32(slot))
	b = binary.LittleEndian.AppendUint32(b, t.ID)
	b = binary.LittleEndian.AppendUint64(b, nonce)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(t.Steps)))
	for _, s := range t.Steps {
		b = append(b, byte(s.Kind), byte(s.Kernel))
		b = binary.LittleEndian.AppendUint32(b, s.Units)
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Dur))
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Size))
		b = binary.LittleEndian.AppendUint64(b, uint64(s.Off))
	}
	return endFrame(b, at)
}

// decodeTask decodes a task frame body, reusing steps' storage.
func decodeTask(body []byte, steps []workload.Step) (slot int, t workload.Task, nonce uint64, err error) {
	if len(body) < taskHead {
		return 0, t, 0, fmt.Errorf("%w: task frame of %d bytes, want at least %d", ErrCorrupt, len(body), taskHead)
	}
	slot = int(binary.LittleEndian.Uint32(body))
	t.ID = binary.LittleEndian.Uint32(body[4:])
	nonce = binary.LittleEndian.Uint64(body[8:])
	ns := int(binary.LittleEndian.Uint16(body[16:]))
	if want := taskHead + ns*stepSize; len(body) != want {
		return 0, t, 0, fmt.Errorf("%w: task frame of %d bytes for %d steps, want %d", ErrCorrupt, len(body), ns, want)
	}
	steps = steps[:0]
	p := body[taskHead:]
	for k := 0; k < ns; k++ {
		s := workload.Step{
			Kind:   workload.Kind(p[0]),
			Kernel: workload.Kernel(p[1]),
			Units:  binary.LittleEndian.Uint32(p[2:]),
			Dur:    time.Duration(binary.LittleEndian.Uint64(p[6:])),
			Size:   int64(binary.LittleEndian.Uint64(p[14:])),
			Off:    int64(binary.LittleEndian.Uint64(p[22:])),
		}
		if !s.Kind.Valid() {
			return 0, t, 0, fmt.Errorf("%w: task %d step %d has unknown kind %d", ErrCorrupt, t.ID, k, p[0])
		}
		steps = append(steps, s)
		p = p[stepSize:]
	}
	t.Steps = steps
	return slot, t, nonce, nil
}

// hello is the one JSON message a worker receives, before any task.
type hello struct {
	Env  workload.Env `json:"env"`
	Slot int          `json:"slot"`
}

// result is a decoded result frame. CPU holds start/end pairs.
type result struct {
	slot   int
	pid    int
	inner  int64
	result uint64
	cpu    []int64
}

// appendResult appends a result frame; cpu holds start/end pairs.
func appendResult(b []byte, r *result) []byte {
	b, at := beginFrame(b, frameResult)
	b = binary.LittleEndian.AppendUint32(b, uint32(r.slot))
	b = binary.LittleEndian.AppendUint32(b, uint32(r.pid))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.inner))
	b = binary.LittleEndian.AppendUint64(b, r.result)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(r.cpu)/2))
	for _, v := range r.cpu {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	return endFrame(b, at)
}

// decodeResult decodes a result frame body into r, reusing r.cpu.
func decodeResult(body []byte, r *result) error {
	if len(body) < resultFix {
		return fmt.Errorf("%w: result frame of %d bytes, want at least %d", ErrCorrupt, len(body), resultFix)
	}
	r.slot = int(binary.LittleEndian.Uint32(body))
	r.pid = int(binary.LittleEndian.Uint32(body[4:]))
	r.inner = int64(binary.LittleEndian.Uint64(body[8:]))
	r.result = binary.LittleEndian.Uint64(body[16:])
	nc := int(binary.LittleEndian.Uint16(body[24:]))
	if want := resultFix + nc*16; len(body) != want {
		return fmt.Errorf("%w: result frame of %d bytes for %d CPU intervals, want %d", ErrCorrupt, len(body), nc, want)
	}
	r.cpu = r.cpu[:0]
	for p := body[resultFix:]; len(p) > 0; p = p[16:] {
		start := int64(binary.LittleEndian.Uint64(p))
		end := int64(binary.LittleEndian.Uint64(p[8:]))
		if end < start {
			return fmt.Errorf("%w: CPU interval ends before it starts (%d < %d)", ErrCorrupt, end, start)
		}
		r.cpu = append(r.cpu, start, end)
	}
	return nil
}

// stepFailure is a decoded error frame: the worker could not run a step.
type stepFailure struct {
	slot, pid, step int
	msg             string
}

// appendError appends an error frame, truncating long messages.
func appendError(b []byte, slot, pid, step int, msg string) []byte {
	if len(msg) > maxErrorMsg {
		msg = msg[:maxErrorMsg]
	}
	b, at := beginFrame(b, frameError)
	b = binary.LittleEndian.AppendUint32(b, uint32(slot))
	b = binary.LittleEndian.AppendUint32(b, uint32(pid))
	b = binary.LittleEndian.AppendUint16(b, uint16(step))
	b = append(b, msg...)
	return endFrame(b, at)
}

// decodeError decodes an error frame body.
func decodeError(body []byte) (stepFailure, error) {
	if len(body) < errorHead || len(body) > errorHead+maxErrorMsg {
		return stepFailure{}, fmt.Errorf("%w: error frame of %d bytes (allowed %d..%d)", ErrCorrupt, len(body), errorHead, errorHead+maxErrorMsg)
	}
	return stepFailure{
		slot: int(binary.LittleEndian.Uint32(body)),
		pid:  int(binary.LittleEndian.Uint32(body[4:])),
		step: int(binary.LittleEndian.Uint16(body[8:])),
		msg:  string(body[errorHead:]),
	}, nil
}

// appendReady appends the worker's ready frame.
func appendReady(b []byte, pid int) []byte {
	b, at := beginFrame(b, frameReady)
	b = binary.LittleEndian.AppendUint32(b, uint32(pid))
	b = binary.LittleEndian.AppendUint16(b, protocolVersion)
	return endFrame(b, at)
}

// decodeReady decodes a ready frame body and checks the protocol version.
func decodeReady(body []byte) (pid int, err error) {
	if len(body) != readyBody {
		return 0, fmt.Errorf("%w: ready frame of %d bytes, want %d", ErrCorrupt, len(body), readyBody)
	}
	if v := binary.LittleEndian.Uint16(body[4:]); v != protocolVersion {
		return 0, fmt.Errorf("worker speaks protocol %d, parent %d (a different binary?)", v, protocolVersion)
	}
	return int(binary.LittleEndian.Uint32(body)), nil
}
