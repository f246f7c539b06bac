package workload

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

func TestMakeFiles(t *testing.T) {
	dir := t.TempDir()
	p := Params{Files: 3, FileSize: 100_000, ReadSize: 4096}
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
	// Position-addressable: word k of file f is FileWord(FileSeed(seed, f), k).
	for f, b := range first {
		fseed := FileSeed(p.Fill().Seed, f)
		for _, k := range []int64{0, 1, 4095, 100_000/8 - 1} {
			if got, want := binary.LittleEndian.Uint64(b[8*k:]), FileWord(fseed, k); got != want {
				t.Fatalf("file %d word %d = %#x, want FileWord = %#x", f, k, got, want)
			}
		}
		if got, want := Digest(b[1234:1234+777]), FileDigest(fseed, 1234, 777); got != want {
			t.Errorf("file %d: digest of a window read %#x, recomputed %#x", f, got, want)
		}
	}
	// Deterministic: a second call writes the same bytes.
	again, err := MakeFiles(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	for i, path := range again {
		if b, _ := os.ReadFile(path); !bytes.Equal(b, first[i]) {
			t.Errorf("file %d differs between calls", i)
		}
	}
	if _, err := MakeFiles(dir, Params{ReadSize: 8192, FileSize: 4096}); err == nil {
		t.Error("MakeFiles accepted read size > file size")
	}
}

func TestFileSteps(t *testing.T) {
	checkFDs(t)
	p := Params{Files: 2, FileSize: 64 << 10}
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
				out, err := ex.Step(context.Background(), task, 0)
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
	ex.Step(context.Background(), task, 0)
	if n := testing.AllocsPerRun(100, func() { ex.Step(context.Background(), task, 0) }); n > 0 {
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
		got, err := ex.Step(context.Background(), task, 0)
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
	return ex.Step(ctx, Task{Steps: []Step{s}}, 0)
}
