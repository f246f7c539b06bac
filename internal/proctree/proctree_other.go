//go:build !linux

package proctree

// Tree returns pid alone: descendants are found in Linux's /proc.
func Tree(pid int, keep func(pid int) bool) []int { return []int{pid} }
