package workload

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"concbench/workload/httpwire"
)

func TestDigester(t *testing.T) {
	var body bytes.Buffer
	if err := httpwire.WriteBody(&body, 12345, 200_000); err != nil {
		t.Fatal(err)
	}
	d := NewDigester()
	d.Write([]byte("stale bytes of an earlier response"))
	d.Reset()
	for b := body.Bytes(); len(b) > 0; b = b[min(len(b), 7777):] {
		d.Write(b[:min(len(b), 7777)])
	}
	if got, want := d.Sum64(), Digest(body.Bytes()); got != want {
		t.Errorf("incremental digest %#x, one-shot %#x", got, want)
	}
	if got, want := NetDigest(12345, 200_000), Digest(body.Bytes()); got != want {
		t.Errorf("NetDigest %#x, digest of the body %#x", got, want)
	}
	if NetDigest(12346, 200_000) == NetDigest(12345, 200_000) || NetDigest(12345, 199_999) == NetDigest(12345, 200_000) {
		t.Error("NetDigest ignores its seed or size")
	}
	if n := testing.AllocsPerRun(100, func() { d.Reset(); d.Write(body.Bytes()[:1024]); d.Sum64() }); n != 0 {
		t.Errorf("a Digester allocates %v times per body", n)
	}
}

func TestNetSeedDistinct(t *testing.T) {
	seen := map[uint64]bool{}
	for id := uint32(0); id < 1000; id++ {
		for k := 0; k < 4; k++ {
			s := NetSeed(id, k)
			if seen[s] {
				t.Fatalf("NetSeed(%d, %d) repeats an earlier seed", id, k)
			}
			seen[s] = true
		}
	}
}

// TestExpectedProofs: each kind's output is its proof, and the two Net
// steps of a mixed task get different bodies.
func TestExpectedProofs(t *testing.T) {
	p := Params{Units: 3}.Fill()
	mixed, _ := Build("mixed", 2, p)
	task := mixed[1]
	if StepOutput(task, 0, p) == StepOutput(task, 2, p) {
		t.Error("the two Net steps of a task have the same proof")
	}
	if got, want := StepOutput(task, 0, p), NetDigest(NetSeed(1, 0), p.NetSize); got != want {
		t.Errorf("net proof %#x, want %#x", got, want)
	}
	files, _ := Build("io-file", 8, p)
	ft := files[5]
	if got, want := StepOutput(ft, 0, p), FileDigest(p.Nonce, p.Key, FileIndex(ft, p.Files), ft.Steps[0].Off, ft.Steps[0].Size); got != want {
		t.Errorf("file proof %#x, want %#x", got, want)
	}
	// The secrets: the data set's key and the trial's nonce enter the
	// file proof, the nonce the CPU proof; the Net proof is the server's.
	keyed, nonced := p, p
	keyed.Key, nonced.Nonce = 2, 2
	if StepOutput(ft, 0, keyed) == StepOutput(ft, 0, p) {
		t.Error("the file proof ignores the data set's key")
	}
	if StepOutput(ft, 0, nonced) == StepOutput(ft, 0, p) {
		t.Error("the file proof ignores the trial's nonce")
	}
	if StepOutput(task, 1, nonced) == StepOutput(task, 1, p) {
		t.Error("the CPU proof ignores the trial's nonce")
	}
	if got, want := StepOutput(task, 1, nonced), RunCPU(task.Steps[1].Kernel, task.Steps[1].Units, Seed(task.ID)^2); got != want {
		t.Errorf("cpu proof %#x, want RunCPU with the seed XOR the nonce %#x", got, want)
	}
	if StepOutput(Task{Steps: []Step{SleepStep(time.Second)}}, 0, p) != 0 {
		t.Error("a wait has a nonzero output")
	}
}

func TestCheckService(t *testing.T) {
	tasks := []Task{
		{ID: 0, Steps: []Step{CPUStep(SHA256, 1)}},
		{ID: 1, Steps: []Step{SleepStep(10 * time.Millisecond), NetStep(5*time.Millisecond, 1), BlockStep(time.Millisecond)}},
	}
	ms := int64(time.Millisecond)
	start, end := []int64{5, 100}, []int64{6, 100 + 16*ms}
	if err := CheckService(tasks, start, end, 0, true); err != nil {
		t.Fatalf("service >= waits: %v", err)
	}
	end[1] = 100 + 15*ms
	if err := CheckService(tasks, start, end, 2*time.Millisecond, true); err != nil {
		t.Fatalf("within the timer slack: %v", err)
	}
	err := CheckService(tasks, start, end, 0, true)
	if err == nil || !strings.Contains(err.Error(), "task 1 took 15ms") || !strings.Contains(err.Error(), "sleep 10ms + net delay 5ms + block 1ms") {
		t.Fatalf("a short task: %v", err)
	}
	if err := CheckService(tasks, start, []int64{6, 100 + 11*ms}, 0, false); err != nil {
		t.Fatalf("a remote server's delays are not waits: %v", err)
	}
	end[1] = 0 // not completed: not checked
	if err := CheckService(tasks, start, end, 0, true); err != nil {
		t.Fatalf("incomplete task checked: %v", err)
	}
	if n := NetSteps(tasks, []int64{1, 1}); n != 1 {
		t.Errorf("NetSteps = %d, want 1", n)
	}
	if n := NetSteps(tasks, end); n != 0 {
		t.Errorf("NetSteps of completed tasks = %d, want 0", n)
	}
}
