package workload

import (
	"crypto/sha256"
	"encoding/binary"

	"concbench/workload/params"
)

// Kernel names a deterministic CPU kernel (see params.Kernel).
type Kernel = params.Kernel

// The CPU kernels.
const (
	SHA256 = params.SHA256
	Spin   = params.Spin
)

// Kernels lists every kernel by name.
var Kernels = params.Kernels

const hashBlock = 1024

// RunCPU runs units rounds of kernel k seeded by seed and returns a 64-bit
// digest of the final state. It is deterministic, allocation-free and safe
// for concurrent use.
func RunCPU(k Kernel, units uint32, seed uint64) uint64 {
	switch k {
	case Spin:
		return spin(units, seed)
	default:
		return hashRounds(units, seed)
	}
}

func hashRounds(units uint32, seed uint64) uint64 {
	var buf [hashBlock]byte
	for i := 0; i < hashBlock; i += 8 {
		binary.LittleEndian.PutUint64(buf[i:], seed*0x9e3779b97f4a7c15+uint64(i))
	}
	var sum [sha256.Size]byte
	for u := uint32(0); u < units; u++ {
		sum = sha256.Sum256(buf[:])
		copy(buf[:sha256.Size], sum[:])
	}
	return binary.LittleEndian.Uint64(buf[:8])
}

func spin(units uint32, seed uint64) uint64 {
	x := seed | 1
	for u := uint32(0); u < units; u++ {
		for r := 0; r < 4096; r++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
	}
	return x
}
