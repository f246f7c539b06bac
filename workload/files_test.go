package workload

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func TestMakeFiles(t *testing.T) {
	dir := t.TempDir()
	p := Params{Files: 3, FileSize: 100_000, ReadSize: 4096, Key: 0x5eed}
	paths, err := MakeFiles(dir, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("%d files", len(paths))
	}
	first := make([][]byte, len(paths))
	for i, path := range paths {
		b, err := os.ReadFile(path)
		if err != nil || len(b) != 100_000 {
			t.Fatalf("%s: %d bytes, %v", path, len(b), err)
		}
		first[i] = b
	}
	if bytes.Equal(first[0], first[1]) {
		t.Error("files 0 and 1 have the same content")
	}
	// Whoever holds the key recomputes the proof of any window, in any
	// trial (nonce), without the file; the nonce changes it.
	for f, b := range first {
		for _, w := range []struct{ off, size int64 }{{0, 8}, {1234, 777}, {16, 4096}, {100_000 - 5, 5}, {7, 0}} {
			got := FileProof(42, b[w.off:w.off+w.size])
			if want := FileDigest(42, p.Key, f, w.off, w.size); got != want {
				t.Errorf("file %d window %d+%d: proof of the bytes read %#x, recomputed %#x", f, w.off, w.size, got, want)
			}
			if got == FileDigest(43, p.Key, f, w.off, w.size) {
				t.Errorf("file %d window %d+%d: the proof ignores the nonce", f, w.off, w.size)
			}
		}
	}
	// One key, one data set: a second call writes the same bytes; another
	// key writes other bytes.
	again, err := MakeFiles(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	other := p
	other.Key++
	others, err := MakeFiles(t.TempDir(), other)
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if b, _ := os.ReadFile(again[i]); !bytes.Equal(b, first[i]) {
			t.Errorf("file %d differs between calls with one key", i)
		}
		if b, _ := os.ReadFile(others[i]); bytes.Equal(b[:4096], first[i][:4096]) {
			t.Errorf("file %d is the same under another key", i)
		}
	}
	if _, err := MakeFiles(dir, Params{ReadSize: 8192, FileSize: 4096}); err == nil {
		t.Error("MakeFiles accepted read size > file size")
	}
}

func TestFileSteps(t *testing.T) {
	checkFDs(t)
	p := Params{Files: 2, FileSize: 64 << 10, Key: 3, Nonce: 0xfeed}
	paths, err := MakeFiles(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, direct := range []bool{false, true} {
		ex, err := NewExec(Env{Files: paths, Direct: direct}, 1)
		if err != nil {
			t.Fatalf("direct=%v: %v", direct, err)
		}
		steps := []Step{FileStep(0, 4096), FileStep(60<<10, 4096), FileStep(100, 333), FileStep(64<<10-1, 1), FileStep(0, 0)}
		for _, s := range steps {
			for _, task := range []Task{{ID: 0, Steps: []Step{s}}, {ID: 1, Steps: []Step{s}}} {
				out, err := ex.Step(context.Background(), task, 0, p.Nonce)
				if want := StepOutput(task, 0, p); err != nil || out != want {
					t.Errorf("direct=%v task %d %v: %#x, %v; want digest %#x", direct, task.ID, s, out, err, want)
				}
			}
		}
		_, err = runStep(context.Background(), ex, FileStep(64<<10-10, 4096))
		if err == nil || !strings.Contains(err.Error(), "short read") || !strings.Contains(err.Error(), "10 of 4096 bytes") {
			t.Errorf("direct=%v read past EOF: %v", direct, err)
		}
		if err := ex.Close(); err != nil {
			t.Error(err)
		}
	}
}

func TestFileAllocs(t *testing.T) {
	paths, err := MakeFiles(t.TempDir(), Params{Files: 1, FileSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := NewExec(Env{Files: paths}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	task := Task{Steps: []Step{FileStep(4096, 4096)}}
	ex.Step(context.Background(), task, 0, 1)
	if n := testing.AllocsPerRun(100, func() { ex.Step(context.Background(), task, 0, 1) }); n > 0 {
		t.Errorf("a File step allocates %v times", n)
	}
}

// TestDirect: O_DIRECT reads either work or fail with the clear error, on
// the test's temp dir and on tmpfs (/dev/shm, which refuses O_DIRECT before
// Linux 6.6) where the machine has one.
func TestDirect(t *testing.T) {
	dirs := []string{t.TempDir()}
	if shm, err := os.MkdirTemp("/dev/shm", "concbench-test-"); err == nil {
		defer os.RemoveAll(shm)
		dirs = append(dirs, shm)
	}
	for _, dir := range dirs {
		paths, err := MakeFiles(dir, Params{Files: 1, FileSize: 8192})
		if err != nil {
			t.Fatal(err)
		}
		ex, err := NewExec(Env{Files: paths, Direct: true}, 1)
		if err != nil {
			if !strings.Contains(err.Error(), "O_DIRECT is not supported on this file system") {
				t.Fatalf("%s: unclear error: %v", dir, err)
			}
			continue
		}
		task := Task{Steps: []Step{FileStep(100, 4096)}}
		got, err := ex.Step(context.Background(), task, 0, 0)
		ex.Close()
		if err != nil && !strings.Contains(err.Error(), "O_DIRECT") {
			t.Fatalf("%s: unclear error: %v", dir, err)
		}
		if want := StepOutput(task, 0, Params{Files: 1, FileSize: 8192}); err == nil && got != want {
			t.Errorf("%s: O_DIRECT read proof %#x, want the digest of the 4096 bytes %#x", dir, got, want)
		}
	}
}

// runStep runs s as the one step of task 0 on ex.
func runStep(ctx context.Context, ex *Exec, s Step) (uint64, error) {
	return ex.Step(ctx, Task{Steps: []Step{s}}, 0, 0)
}
