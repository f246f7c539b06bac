package serverrole

import (
	"fmt"
	"strings"

	"concbench/bench"
	"concbench/models"
)

// parseLoad accepts the loads a server can be driven with: open and
// closed (bench.ParseLoad's spelling).
func parseLoad(spec string, n int, seed uint64) (models.Load, error) {
	if !strings.HasPrefix(spec, "open:") && !strings.HasPrefix(spec, "closed:") {
		return models.Load{}, fmt.Errorf("load %q: the server role takes open:RATE[:poisson] or closed:C (requests arrive over time; batch has no meaning for a server)", spec)
	}
	return bench.ParseLoad(spec, n, seed)
}
