//go:build linux

package proctree

import (
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// family starts two children of this process, one of them from a locked
// thread other than the main one, and a grandchild under the first; it
// returns the children's PIDs and the grandchild's; all end with the test.
func family(t *testing.T) (kids []int, grandchild int) {
	t.Helper()
	sh := exec.Command("sh", "-c", "sleep 30 & echo $!; wait")
	out, err := sh.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	var line [32]byte
	n, err := out.Read(line[:])
	if err != nil {
		t.Fatal(err)
	}
	var g int
	for _, c := range line[:n] {
		if c >= '0' && c <= '9' {
			g = g*10 + int(c-'0')
		}
	}
	var other *exec.Cmd
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // a thread of its own: its children list holds the child
		other = exec.Command("sleep", "30")
		done <- other.Start()
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range []*exec.Cmd{sh, other} {
			_ = c.Process.Kill()
			_ = c.Wait()
		}
		if p, err := os.FindProcess(g); err == nil {
			_ = p.Kill()
		}
	})
	return []int{sh.Process.Pid, other.Process.Pid}, g
}

// lockThreads holds n extra OS threads until the test ends.
func lockThreads(t *testing.T, n int) {
	stop := make(chan struct{})
	var up, wg sync.WaitGroup
	for range n {
		up.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			up.Done()
			<-stop
		}()
	}
	up.Wait()
	t.Cleanup(func() { close(stop); wg.Wait() })
}

func TestTreeFindsDescendants(t *testing.T) {
	kids, g := family(t)
	self := os.Getpid()
	check := func(t *testing.T, got []int) {
		t.Helper()
		if got[0] != self {
			t.Fatalf("tree %v does not start with %d", got, self)
		}
		for _, p := range append(kids, g) {
			if !slices.Contains(got, p) {
				t.Fatalf("tree %v misses %d (children %v, grandchild %d)", got, p, kids, g)
			}
		}
		if slices.Index(got, g) < slices.Index(got, kids[0]) {
			t.Fatalf("tree %v lists grandchild %d before its parent %d", got, g, kids[0])
		}
	}
	for _, tc := range []struct {
		name    string
		threads int // extra threads, more than the machine's processes for the scan
	}{
		{"few threads", 0},
		{"more threads than processes", len(pids()) + 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lockThreads(t, tc.threads)
			check(t, Tree(self, nil))
			check(t, tree(self, nil, true))
			check(t, tree(self, nil, false))
			// A refused child leaves with its descendants.
			got := Tree(self, func(p int) bool { return p != kids[0] })
			if slices.Contains(got, kids[0]) || slices.Contains(got, g) || !slices.Contains(got, kids[1]) {
				t.Fatalf("refusing %d: tree %v", kids[0], got)
			}
		})
	}
}

func TestParent(t *testing.T) {
	if pp, ok := Parent(os.Getpid()); !ok || pp != os.Getppid() {
		t.Fatalf("Parent(self) = %d, %v; want %d", pp, ok, os.Getppid())
	}
	if _, ok := Parent(-1); ok {
		t.Fatal("Parent(-1) succeeded")
	}
}

// BenchmarkTree reads the tree of a process holding 1,500 OS threads (a
// thread-per-task model at its peak), by each method.
func BenchmarkTree(b *testing.B) {
	stop := make(chan struct{})
	var up sync.WaitGroup
	for range 1500 {
		up.Add(1)
		go func() {
			runtime.LockOSThread()
			up.Done()
			<-stop
		}()
	}
	up.Wait()
	defer close(stop)
	self := os.Getpid()
	b.Run("per-thread", func(b *testing.B) {
		for b.Loop() {
			threadChildren(self, mustTasks(b, self))
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			tree(self, nil, true)
		}
	})
	b.Run("Tree", func(b *testing.B) {
		for b.Loop() {
			Tree(self, nil)
		}
	})
}

func mustTasks(b *testing.B, pid int) []os.DirEntry {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		b.Fatal(err)
	}
	return ents
}
