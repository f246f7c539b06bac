package runtimes

import (
	"os"
	"strings"
)

// envMeet arms the runners' rendezvous: in a pool of worker threads or
// processes (node-workers, py-processes) each worker's first measured CPU
// step waits, inside its interval, until every worker has begun its own,
// so a test observes their overlap by construction, however loaded the
// machine. It is a test hook: only a _test.go file arms it (meetArmed),
// and a value inherited from the environment is dropped, so what users
// run never waits.
const envMeet = "CONCBENCH_MEET"

// meetArmed is set by the tests (export_test.go) only.
var meetArmed bool

// runnerEnv is the environment of a runner: this process's, less envMeet,
// plus envMeet=1 when a test armed it.
func runnerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envMeet+"=") {
			env = append(env, kv)
		}
	}
	if meetArmed {
		env = append(env, envMeet+"=1")
	}
	return env
}
