package workload

import (
	"context"
	"errors"
)

// blockingIO runs Net and File steps with blocking calls: a keep-alive
// connection pool to the latency server (netclient.go) and the trial's data
// files opened once and shared (files.go).
type blockingIO struct {
	pool  *netPool
	files *FileSet
}

func newBlockingIO(env Env, conns int) (*blockingIO, error) {
	b := &blockingIO{}
	if env.ServerAddr != "" {
		b.pool = newNetPool(env.ServerAddr, conns, env.Timeout())
	}
	if len(env.Files) > 0 {
		fs, err := OpenFiles(env.Files, env.Direct)
		if err != nil {
			return nil, err
		}
		b.files = fs
	}
	return b, nil
}

func (b *blockingIO) close() error {
	var errs []error
	if b.pool != nil {
		b.pool.close()
	}
	if b.files != nil {
		errs = append(errs, b.files.Close())
	}
	return errors.Join(errs...)
}

func (b *blockingIO) net(ctx context.Context, s Step, seed uint64) (uint64, error) {
	if b.pool == nil {
		return 0, ErrNoServer
	}
	return b.pool.do(ctx, s, seed)
}

func (b *blockingIO) file(t Task, s Step, nonce uint64) (uint64, error) {
	if b.files == nil {
		return 0, ErrNoFiles
	}
	return b.files.Read(t, s, nonce)
}
