package goroutines

import (
	"context"

	"concbench/models"
)

var _ models.Server = model{}

// Serve runs a goroutine per connection (net/http's design), each
// answering its keep-alive connection's requests in turn; with a limit,
// at most that many connections are served at once and the rest wait in
// the accept queue.
func (m model) Serve(ctx context.Context, h *models.Handling) error {
	ex, err := h.NewExec(m.limit)
	if err != nil {
		return err
	}
	defer ex.Close()
	return models.ServeEach(ctx, h, m.limit, func(f func()) { go f() }, h.Inline(ctx, ex))
}
