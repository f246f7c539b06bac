package threads

import (
	"context"
	"runtime"

	"concbench/models"
)

var _ models.Server = model{}

// Serve runs an OS thread per connection (Apache's worker MPM, a Java
// thread-per-connection server): each connection's goroutine is locked to
// its thread while it serves the connection's requests, so a connected
// client holds a thread whether it sends or idles; at most limit
// connections are served at once, the rest wait in the accept queue.
func (m model) Serve(ctx context.Context, h *models.Handling) error {
	raiseMaxThreads(m.limit + reserve)
	ex, err := h.NewExec(m.limit)
	if err != nil {
		return err
	}
	defer ex.Close()
	return models.ServeEach(ctx, h, m.limit, func(f func()) {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			f()
		}()
	}, h.Inline(ctx, ex))
}
