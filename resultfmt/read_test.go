package resultfmt

import (
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBothFormsReadTheNewer (issue 22, defect 11): with results.json and
// results.json.gz side by side, whichever name is asked for, the file
// modified last is read and a note names the choice. Before, the plain
// (stale) file was read without a word.
func TestBothFormsReadTheNewer(t *testing.T) {
	for _, newer := range []string{"results.json", ResultsFile} {
		t.Run(newer, func(t *testing.T) {
			dir := t.TempDir()
			stale, fresh := sampleFile(), sampleFile()
			stale.Suite, fresh.Suite = "stale", "fresh"
			older := "results.json"
			if newer == older {
				older = ResultsFile
			}
			if err := stale.Write(filepath.Join(dir, older)); err != nil {
				t.Fatal(err)
			}
			if err := fresh.Write(filepath.Join(dir, newer)); err != nil {
				t.Fatal(err)
			}
			past := time.Now().Add(-time.Hour)
			if err := os.Chtimes(filepath.Join(dir, older), past, past); err != nil {
				t.Fatal(err)
			}
			for _, asked := range []string{"results.json", ResultsFile} {
				f, err := ReadFile(filepath.Join(dir, asked))
				if err != nil {
					t.Fatal(err)
				}
				if f.Suite != "fresh" || len(f.Notes) != 1 || !strings.Contains(f.Notes[0], "read "+newer+", the newer") {
					t.Errorf("asked %s: read suite %q, notes %q", asked, f.Suite, f.Notes)
				}
			}
		})
	}
}

// TestHostileInputRefusedEarly: /dev/zero and a gzip bomb of zeros are
// refused at their first byte, not after MaxResultsBytes (before: "larger
// than 256 MiB" and "decompresses to more than 256 MiB", after reading all
// of it).
func TestHostileInputRefusedEarly(t *testing.T) {
	bomb := filepath.Join(t.TempDir(), "bomb.json.gz")
	out, err := os.Create(bomb)
	if err != nil {
		t.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(out, gzip.BestSpeed)
	zero := make([]byte, 1<<20)
	for i := 0; i < MaxResultsBytes>>20+1; i++ {
		zw.Write(zero)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	for _, path := range []string{"/dev/zero", bomb} {
		_, err := ReadFile(path)
		if !errors.Is(err, ErrBadResults) || !strings.Contains(err.Error(), "starts with byte 0x00") {
			t.Errorf("%s: %v", path, err)
		}
	}
}

// TestReadStopsWithContext (defect 15): a cancelled context stops reading.
func TestReadStopsWithContext(t *testing.T) {
	dir := t.TempDir()
	if err := sampleFile().Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if f, err := ReadFileContext(ctx, filepath.Join(dir, "results.json")); !errors.Is(err, context.Canceled) || f != nil {
		t.Errorf("cancelled read: %v, %v", f != nil, err)
	}
}

// TestProbeDirLeavesNothing (issue 22, defect 13): a refused output path
// (one too long for the file system) leaves none of the directories made
// on the way; before, 2048 nested directories stayed.
func TestProbeDirLeavesNothing(t *testing.T) {
	base := t.TempDir()
	long := filepath.Join(base, "out", strings.Repeat("d/", 2100))
	if err := ProbeDir(long); err == nil {
		t.Fatal("a 4200-byte path was accepted")
	}
	if ents, _ := os.ReadDir(base); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}
