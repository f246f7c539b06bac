package workload

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/rand/v2"

	"concbench/workload/httpwire"
)

// Step proofs (the step-proof protocol, shared with the Python and Node
// runners): every step's output shows that it ran, and no output exists
// before the trial's clock starts.
//
//   - The nonce: a random uint64 the harness draws for each trial and
//     hands to the model only at time zero, after Prepare (Go models:
//     models.Trial.Nonce; multiproc workers: in every task frame; runners:
//     on the "go" line). It enters every CPU and File output, so neither
//     can be computed, cached or replayed before the clock.
//   - CPU: the kernel's digest, RunCPU(kernel, units, CPUSeed(taskID, nonce)).
//   - Net: Digest of the response body. The request carries
//     seed=NetSeed(taskID, step index) and the latency server derives the
//     body from it (httpwire.WriteBody): byte i is
//     httpwire.Pattern[(seed+i) mod len(httpwire.Pattern)]. The body is
//     public; the proof that the step waited for the server is the
//     server's ledger (server.Entry), which the harness checks.
//   - File: FileProof(nonce, the bytes read): sha256 of the nonce followed
//     by the bytes. The content of a data file is an AES-CTR keystream
//     under a key derived from the data set's secret (Params.Key, drawn by
//     whoever writes the files and never handed to a model), so only the
//     harness can recompute a window's digest (FileDigest) without
//     reading it.
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

// CPUSeed is the CPU kernel seed of task id in a trial with nonce: the
// task's Seed XOR the nonce, so each task's digest differs and none is
// known before the nonce is.
func CPUSeed(id uint32, nonce uint64) uint64 { return Seed(id) ^ nonce }

// NewSecret draws a nonzero random uint64 for a trial's nonce or a data
// set's key.
func NewSecret() uint64 {
	for {
		if n := rand.Uint64(); n != 0 {
			return n
		}
	}
}

// FileProof is the output of a File step that read b in a trial with
// nonce: the little-endian uint64 of the first 8 bytes of
// sha256(nonce as 8 little-endian bytes, then b).
func FileProof(nonce uint64, b []byte) uint64 {
	h := newFileHash(nonce)
	h.Write(b)
	var sum [sha256.Size]byte
	return binary.LittleEndian.Uint64(h.Sum(sum[:0])[:8])
}

func newFileHash(nonce uint64) hash.Hash {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], nonce)
	h.Write(b[:])
	return h
}

// fileCipher is the content cipher of data file f of the data set whose
// secret is key: AES-128 under the first 16 bytes of sha256("concbench
// data file", key, f). Byte i of the file is byte i of its CTR keystream
// (counter block i/16, big-endian, from zero), so any window is
// recomputed from the key alone, and no window tells anything about
// another without it.
func fileCipher(key uint64, f int) cipher.Block {
	const label = "concbench data file"
	var in [len(label) + 16]byte
	copy(in[:], label)
	binary.LittleEndian.PutUint64(in[len(label):], key)
	binary.LittleEndian.PutUint64(in[len(label)+8:], uint64(f))
	sum := sha256.Sum256(in[:])
	blk, err := aes.NewCipher(sum[:16])
	if err != nil {
		panic(err) // a 16-byte key never fails
	}
	return blk
}

// fillFile writes the content of the file of blk from offset off into buf.
func fillFile(buf []byte, blk cipher.Block, off int64) {
	var iv [aes.BlockSize]byte
	binary.BigEndian.PutUint64(iv[8:], uint64(off/aes.BlockSize))
	ctr := cipher.NewCTR(blk, iv[:])
	if skip := off % aes.BlockSize; skip > 0 {
		var junk [aes.BlockSize]byte
		ctr.XORKeyStream(junk[:skip], junk[:skip])
	}
	clear(buf)
	ctr.XORKeyStream(buf, buf)
}

// FileDigest is the expected output of a File step in a trial with nonce:
// FileProof of the size bytes at off of data file f of the data set whose
// secret is key, computed without the file.
func FileDigest(nonce, key uint64, f int, off, size int64) uint64 {
	blk := fileCipher(key, f)
	h := newFileHash(nonce)
	var buf [16 << 10]byte
	for size > 0 {
		n := min(size, int64(len(buf)))
		fillFile(buf[:n], blk, off)
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
