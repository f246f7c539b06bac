package serverrole

import (
	"fmt"
	"strconv"
	"strings"

	"concbench/bench"
	"concbench/models"
)

// MaxIdle bounds an idle:N load's connections.
const MaxIdle = 100_000

// parseLoad accepts the loads a server can be driven with: open and
// closed (bench.ParseLoad's spelling).
func parseLoad(spec string, n int, seed uint64) (models.Load, error) {
	if !strings.HasPrefix(spec, "open:") && !strings.HasPrefix(spec, "closed:") {
		return models.Load{}, fmt.Errorf("load %q: the server role takes open:RATE[:poisson], closed:C or idle:N (requests arrive over time; batch has no meaning for a server)", spec)
	}
	return bench.ParseLoad(spec, n, seed)
}

// parseIdle reports whether spec is idle:N (the C10k experiment: N
// keep-alive connections opened, each sending one request, then held idle
// while the server's memory is measured) and returns N.
func parseIdle(spec string) (n int, ok bool, err error) {
	v, ok := strings.CutPrefix(spec, "idle:")
	if !ok {
		return 0, false, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxIdle {
		return 0, true, fmt.Errorf("load %q: idle:N takes a number of connections 1..%d", spec, MaxIdle)
	}
	return n, true, nil
}
