// Package all registers every concurrency model; import it for its side
// effect.
package all

import (
	// The models register themselves in init.
	_ "concbench/models/eventloop"
	_ "concbench/models/goroutines"
	_ "concbench/models/multiproc"
	_ "concbench/models/pool"
	_ "concbench/models/sequential"
)
