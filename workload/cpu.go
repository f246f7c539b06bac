package workload

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Kernel names a deterministic CPU kernel.
type Kernel uint8

// The CPU kernels.
const (
	// SHA256 hashes a 1 KiB buffer once per unit, chaining each digest into
	// the next buffer, so no unit can be skipped or reordered.
	SHA256 Kernel = iota
	// Spin is an integer-only mixing loop (xorshift), 4096 rounds per unit;
	// it touches no memory, so it shows pure scheduling without cache effects.
	Spin
)

// Kernels lists every kernel by name.
var Kernels = map[string]Kernel{"sha256": SHA256, "spin": Spin}

// String returns the kernel's name.
func (k Kernel) String() string {
	switch k {
	case SHA256:
		return "sha256"
	case Spin:
		return "spin"
	}
	return fmt.Sprintf("kernel(%d)", uint8(k))
}

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
