package multiproc

// The test binary (which workers re-execute) arms fault injection; the
// concbench binary does not link this file.
func init() { faultsEnabled = true }
