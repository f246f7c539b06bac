package workload

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"concbench/workload/httpwire"
)

// Step proofs (the step-proof protocol, shared with the Python and Node
// runners): every step's output shows that it ran.
//
//   - CPU: the kernel's digest, RunCPU(kernel, units, Seed(taskID)).
//   - Net: Digest of the response body. The request carries
//     seed=NetSeed(taskID, step index) and the latency server derives the
//     body from it (httpwire.WriteBody): byte i is
//     httpwire.Pattern[(seed+i) mod len(httpwire.Pattern)].
//   - File: Digest of the bytes read. Data files are position-addressable
//     (word k of a file is a pure function of its seed and k), so the
//     digest of any window is recomputed without the file.
//   - Sleep, Block: output 0; the harness checks the task's service time
//     instead (MinService).

// Digest is the proof of bytes received or read: the little-endian uint64
// of the first 8 bytes of their sha256.
func Digest(b []byte) uint64 {
	sum := sha256.Sum256(b)
	return binary.LittleEndian.Uint64(sum[:8])
}

// Digester computes Digest incrementally, for bodies that arrive in pieces.
// The zero Digester is not ready: use NewDigester. Reset reuses it without
// allocating.
type Digester struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// NewDigester returns an empty Digester.
func NewDigester() *Digester { return &Digester{h: sha256.New()} }

// Write adds b to the digested bytes; it never fails.
func (d *Digester) Write(b []byte) (int, error) { return d.h.Write(b) }

// Sum64 returns the Digest of every byte written since the last Reset.
func (d *Digester) Sum64() uint64 {
	return binary.LittleEndian.Uint64(d.h.Sum(d.sum[:0])[:8])
}

// Reset forgets the bytes written.
func (d *Digester) Reset() { d.h.Reset() }

// NetSeed is the seed of Net step k of task id, sent with the request: it
// selects where in httpwire.Pattern the body starts, so steps receive
// different bodies and one step's proof fits another only by a 1 in 65536
// coincidence of seeds. External runners get it from the harness with the
// task data.
func NetSeed(id uint32, k int) uint64 {
	return mix64(uint64(id)<<20 ^ uint64(k) ^ 0x6e657473656564) // "netseed"
}

// NetDigest is the proof of a Net step: the Digest of the size-byte body
// the server sends for seed.
func NetDigest(seed uint64, size int64) uint64 {
	h := sha256.New()
	_ = httpwire.WriteBody(h, seed, size)
	var sum [sha256.Size]byte
	return binary.LittleEndian.Uint64(h.Sum(sum[:0])[:8])
}

// FileSeed is the content seed of data file f made with params seed.
func FileSeed(seed uint64, f int) uint64 { return seed*0x9e3779b97f4a7c15 + uint64(f) + 1 }

// FileWord is the 8-byte little-endian word k (bytes 8k..8k+7) of the data
// file whose seed is fseed: splitmix64 at position k, so any window of a
// file can be recomputed without reading it.
func FileWord(fseed uint64, k int64) uint64 { return mix64(fseed + uint64(k+1)*0x9e3779b97f4a7c15) }

// fillFile writes the file content of fseed from offset off into buf.
func fillFile(buf []byte, fseed uint64, off int64) {
	for i := 0; i < len(buf); {
		pos := off + int64(i)
		w := FileWord(fseed, pos/8)
		if pos%8 == 0 && len(buf)-i >= 8 {
			binary.LittleEndian.PutUint64(buf[i:], w)
			i += 8
			continue
		}
		for b := pos % 8; b < 8 && i < len(buf); b++ {
			buf[i] = byte(w >> (8 * b))
			i++
		}
	}
}

// FileDigest is the proof of a File step: the Digest of the size bytes at
// off of the data file whose seed is fseed, computed without the file.
func FileDigest(fseed uint64, off, size int64) uint64 {
	h := sha256.New()
	var buf [4096]byte
	for size > 0 {
		n := min(size, int64(len(buf)))
		fillFile(buf[:n], fseed, off)
		h.Write(buf[:n])
		off += n
		size -= n
	}
	var sum [sha256.Size]byte
	return binary.LittleEndian.Uint64(h.Sum(sum[:0])[:8])
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
