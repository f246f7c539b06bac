package workload

import "context"

// blockingIO runs Net and File steps with blocking calls. The real-I/O
// issue fills it in; until then both step kinds report a clear error.
type blockingIO struct{ env Env }

func newBlockingIO(env Env, conns int) (*blockingIO, error) { return &blockingIO{env: env}, nil }

func (b *blockingIO) close() error { return nil }

func (b *blockingIO) net(ctx context.Context, s Step) (uint64, error) {
	return 0, ErrNoServer
}

func (b *blockingIO) file(t Task, s Step) (uint64, error) { return 0, ErrNoFiles }
