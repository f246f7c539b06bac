//go:build !linux

package workload

// oDirect is 0 where O_DIRECT is not available; Env.Direct is then an error.
const oDirect = 0
