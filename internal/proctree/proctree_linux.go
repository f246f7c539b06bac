//go:build linux

package proctree

import (
	"bytes"
	"os"
	"strconv"
)

// Tree returns pid and its descendants, parents before children. keep, when
// not nil, is asked once per child found; a child it refuses is left out
// with its descendants.
func Tree(pid int, keep func(pid int) bool) []int {
	return tree(pid, keep, false)
}

// tree is Tree; scan forces the read of every process's parent.
func tree(pid int, keep func(int) bool, scan bool) []int {
	out := []int{pid}
	var procs []int // the machine's PIDs, read once when needed
	machine := func() []int {
		if procs == nil {
			procs = pids()
		}
		return procs
	}
	var byParent map[int][]int // built once, the first time the scan is cheaper
	for i := 0; i < len(out); i++ {
		p := out[i]
		tids, err := os.ReadDir("/proc/" + strconv.Itoa(p) + "/task")
		if err != nil {
			continue // gone
		}
		scan = scan || len(tids) > 1 && len(tids) > len(machine())
		var kids []int
		if scan {
			if byParent == nil {
				byParent = parents(machine())
			}
			kids = byParent[p]
		} else {
			kids = threadChildren(p, tids)
		}
		for _, c := range kids {
			if keep == nil || keep(c) {
				out = append(out, c)
			}
		}
	}
	return out
}

// threadChildren reads the children of each of p's threads.
func threadChildren(p int, tids []os.DirEntry) []int {
	dir := "/proc/" + strconv.Itoa(p) + "/task/"
	var kids []int
	for _, t := range tids {
		b, err := os.ReadFile(dir + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			if c, err := strconv.Atoi(string(f)); err == nil {
				kids = append(kids, c)
			}
		}
	}
	return kids
}

// pids lists the processes in /proc.
func pids() []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return []int{}
	}
	out := make([]int, 0, len(ents))
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parents maps each parent PID to its children, from /proc/PID/stat of
// every process in procs.
func parents(procs []int) map[int][]int {
	kids := map[int][]int{}
	for _, p := range procs {
		if pp, ok := Parent(p); ok {
			kids[pp] = append(kids[pp], p)
		}
	}
	return kids
}

// Parent returns pid's parent PID from /proc/PID/stat.
func Parent(pid int) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces and ')'.
	k := bytes.LastIndexByte(b, ')')
	if k < 0 {
		return 0, false
	}
	f := bytes.Fields(b[k+1:])
	if len(f) < 2 {
		return 0, false
	}
	pp, err := strconv.Atoi(string(f[1]))
	return pp, err == nil
}
