package runtimes

import "time"

// SetProbeTimeout shortens the probe timeout for a test; it returns a
// function restoring it.
func SetProbeTimeout(d time.Duration) func() {
	old := probeTimeout
	probeTimeout = d
	return func() { probeTimeout = old }
}

// ArmMeet arms the runners' rendezvous (see envMeet) for a test; it
// returns a function disarming it.
func ArmMeet() func() {
	meetArmed = true
	return func() { meetArmed = false }
}
