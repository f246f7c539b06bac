package sequential

import (
	"context"
	"fmt"

	"concbench/models"
)

var _ models.Server = model{}

// Serve is an iterative server, the oldest design: accept one connection,
// answer one request on it with "Connection: close", close it, accept the
// next. Every other client waits in the kernel's accept queue.
func (model) Serve(ctx context.Context, h *models.Handling) error {
	ex, err := h.NewExec(1)
	if err != nil {
		return err
	}
	defer ex.Close()
	defer context.AfterFunc(ctx, h.Shutdown)()
	run := h.Inline(ctx, ex)
	h.MarkReady()
	for {
		c, err := h.Accept()
		if err != nil {
			if ctx.Err() != nil || models.IsClosed(err) {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		h.ServeConn(c, run, true)
	}
}
