package multiproc

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"concbench/workload"
)

func sampleTask() workload.Task {
	return workload.Task{ID: 42, Steps: []workload.Step{
		workload.SleepStep(3 * time.Millisecond),
		workload.CPUStep(workload.Spin, 7),
		workload.NetStep(time.Millisecond, 1024),
		workload.FileStep(4096, 512),
		workload.BlockStep(time.Second),
		{},
	}}
}

func TestFrameRoundTrip(t *testing.T) {
	task := sampleTask()
	var b []byte
	b = appendRaw(b, frameHello, []byte(`{"slot":1}`))
	b = appendReady(b, 1234)
	b = appendTask(b, 9, task, 0xabcdef)
	b = appendResult(b, &result{slot: 9, pid: 1234, inner: 5000, result: 0xdeadbeef, cpu: []int64{10, 20, 30, 40}})
	b = appendError(b, 9, 1234, 2, "boom")

	fr := frameReader{r: bytes.NewReader(b)}
	typ, body, err := fr.next()
	if err != nil || typ != frameHello || string(body) != `{"slot":1}` {
		t.Fatalf("hello: %q %q %v", typ, body, err)
	}
	typ, body, err = fr.next()
	if err != nil || typ != frameReady {
		t.Fatalf("ready: %q %v", typ, err)
	}
	if pid, err := decodeReady(body); err != nil || pid != 1234 {
		t.Fatalf("decodeReady = %d, %v", pid, err)
	}
	typ, body, err = fr.next()
	if err != nil || typ != frameTask {
		t.Fatalf("task: %q %v", typ, err)
	}
	slot, got, nonce, err := decodeTask(body, nil)
	if err != nil || slot != 9 || got.ID != task.ID || nonce != 0xabcdef || len(got.Steps) != len(task.Steps) {
		t.Fatalf("decodeTask = %d %+v nonce %#x %v", slot, got, nonce, err)
	}
	for k := range task.Steps {
		if got.Steps[k] != task.Steps[k] {
			t.Errorf("step %d = %+v, want %+v", k, got.Steps[k], task.Steps[k])
		}
	}
	typ, body, err = fr.next()
	if err != nil || typ != frameResult {
		t.Fatalf("result: %q %v", typ, err)
	}
	var r result
	if err := decodeResult(body, &r); err != nil {
		t.Fatal(err)
	}
	if r.slot != 9 || r.pid != 1234 || r.inner != 5000 || r.result != 0xdeadbeef || len(r.cpu) != 4 || r.cpu[3] != 40 {
		t.Errorf("decodeResult = %+v", r)
	}
	typ, body, err = fr.next()
	if err != nil || typ != frameError {
		t.Fatalf("error: %q %v", typ, err)
	}
	if f, err := decodeError(body); err != nil || f.msg != "boom" || f.step != 2 || f.slot != 9 {
		t.Errorf("decodeError = %+v, %v", f, err)
	}
	if _, _, err := fr.next(); err != io.EOF {
		t.Errorf("after the last frame: %v, want io.EOF", err)
	}
	if fr.n != int64(len(b)) {
		t.Errorf("counted %d bytes, wrote %d", fr.n, len(b))
	}
}

func TestFrameTruncated(t *testing.T) {
	full := appendTask(nil, 1, sampleTask(), 5)
	for cut := 1; cut < len(full); cut++ {
		fr := frameReader{r: bytes.NewReader(full[:cut])}
		_, _, err := fr.next()
		if !errors.Is(err, ErrTruncated) {
			t.Fatalf("cut at %d of %d: err %v, want ErrTruncated", cut, len(full), err)
		}
	}
}

func TestFrameCorrupt(t *testing.T) {
	for name, b := range map[string][]byte{
		"zero length": {0, 0, 0, 0},
		"huge length": {0xff, 0xff, 0xff, 0x7f, 'R'},
		"just over":   {0x01, 0x00, 0x10, 0x00},
	} {
		fr := frameReader{r: bytes.NewReader(b)}
		if _, _, err := fr.next(); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", name, err)
		}
	}
	task := appendTask(nil, 1, sampleTask(), 5)[5:]
	res := appendResult(nil, &result{cpu: []int64{1, 2}})[5:]
	bodies := []struct {
		name   string
		decode func([]byte) error
		body   []byte
	}{
		{"task short", decodeTaskErr, task[:5]},
		{"task step count", decodeTaskErr, task[:len(task)-1]},
		{"task extra byte", decodeTaskErr, append(append([]byte(nil), task...), 0)},
		{"task bad kind", decodeTaskErr, func() []byte { b := append([]byte(nil), task...); b[taskHead] = 200; return b }()},
		{"result short", decodeResultErr, res[:10]},
		{"result count", decodeResultErr, res[:len(res)-8]},
		{"result backwards", decodeResultErr, appendResult(nil, &result{cpu: []int64{5, 1}})[5:]},
		{"error short", func(b []byte) error { _, err := decodeError(b); return err }, []byte{1, 2}},
		{"ready short", func(b []byte) error { _, err := decodeReady(b); return err }, []byte{1}},
	}
	for _, c := range bodies {
		if err := c.decode(c.body); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: err %v, want ErrCorrupt", c.name, err)
		}
	}
	if _, err := decodeReady([]byte{1, 0, 0, 0, 99, 0}); err == nil {
		t.Error("ready frame of another protocol version accepted")
	}
}

func decodeTaskErr(b []byte) error { _, _, _, err := decodeTask(b, nil); return err }

func decodeResultErr(b []byte) error { var r result; return decodeResult(b, &r) }

// FuzzFrames feeds arbitrary bytes to the frame reader and every decoder:
// they must return errors, never panic or loop. The seed corpus runs as a
// normal test.
func FuzzFrames(f *testing.F) {
	f.Add(appendTask(nil, 3, sampleTask(), 7))
	f.Add(appendResult(nil, &result{slot: 1, pid: 2, inner: 3, result: 4, cpu: []int64{1, 2}}))
	f.Add(appendError(nil, 1, 2, 3, "msg"))
	f.Add(appendReady(nil, 77))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{5, 0, 0, 0, 'T', 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := frameReader{r: bytes.NewReader(data)}
		var r result
		for {
			typ, body, err := fr.next()
			if err != nil {
				return
			}
			switch typ {
			case frameTask:
				if slot, task, nonce, err := decodeTask(body, nil); err == nil {
					again := appendTask(nil, slot, task, nonce)
					if !bytes.Equal(again[5:], body) {
						t.Fatalf("task frame does not round-trip")
					}
				}
			case frameResult:
				_ = decodeResult(body, &r)
			case frameError:
				_, _ = decodeError(body)
			case frameReady:
				_, _ = decodeReady(body)
			}
		}
	})
}

func TestPeakOverlap(t *testing.T) {
	for _, c := range []struct {
		iv   []int64
		want int64
	}{
		{nil, 0},
		{[]int64{0, 10}, 1},
		{[]int64{0, 10, 10, 20}, 1}, // touching is not overlapping
		{[]int64{0, 10, 5, 20, 6, 7}, 3},
		{[]int64{0, 10, 11, 20, 12, 30, 13, 14}, 3},
	} {
		if got := peakOverlap(c.iv); got != c.want {
			t.Errorf("peakOverlap(%v) = %d, want %d", c.iv, got, c.want)
		}
	}
}

// TestFrameEveryKind: every step kind workload defines crosses the wire,
// and the first undefined one is rejected as corrupt, so adding a kind
// needs no change here.
func TestFrameEveryKind(t *testing.T) {
	k := workload.Kind(0)
	for ; k.Valid(); k++ {
		task := workload.Task{ID: 1, Steps: []workload.Step{{Kind: k, Units: 3}}}
		frame := appendTask(nil, 0, task, 0)
		_, got, _, err := decodeTask(frame[5:], nil)
		if err != nil || got.Steps[0].Kind != k {
			t.Errorf("kind %v: decoded %+v, %v", k, got.Steps, err)
		}
	}
	frame := appendTask(nil, 0, workload.Task{ID: 1, Steps: []workload.Step{{Kind: k}}}, 0)
	if _, _, _, err := decodeTask(frame[5:], nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("undefined kind %d: err = %v, want ErrCorrupt", k, err)
	}
}
