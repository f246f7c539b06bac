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
	paths, err := MakeFiles(t.TempDir(), Params{Files: 2, FileSize: 64 << 10})
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
			for _, task := range []Task{{ID: 0}, {ID: 1}} {
				out, err := ex.Step(context.Background(), task, s)
				if err != nil || out != uint64(s.Size) {
					t.Errorf("direct=%v %v: %d, %v", direct, s, out, err)
				}
			}
		}
		_, err = ex.Step(context.Background(), Task{}, FileStep(64<<10-10, 4096))
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
	s := FileStep(4096, 4096)
	ex.Step(context.Background(), Task{}, s)
	if n := testing.AllocsPerRun(100, func() { ex.Step(context.Background(), Task{}, s) }); n > 0 {
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
		got, err := ex.Step(context.Background(), Task{}, FileStep(100, 4096))
		ex.Close()
		if err != nil && !strings.Contains(err.Error(), "O_DIRECT") {
			t.Fatalf("%s: unclear error: %v", dir, err)
		}
		if err == nil && got != 4096 {
			t.Errorf("%s: O_DIRECT read returned %d bytes, want 4096", dir, got)
		}
	}
}
