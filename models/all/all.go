// Package all registers every concurrency model, the Go ones and those
// in other runtimes (concbench/runtimes); import it for its side effect.
package all

import (
	// The models register themselves in init.
	_ "concbench/models/eventloop"
	_ "concbench/models/goroutines"
	_ "concbench/models/multiproc"
	_ "concbench/models/null"
	_ "concbench/models/pool"
	_ "concbench/models/sequential"
	_ "concbench/models/threads"
	// The Python and Node.js models (available where their runtime is).
	_ "concbench/runtimes"
)
