package bench

// This package's test binary, and the trial children it re-executes,
// honour EnvSlowdown (see slowdownsEnabled).
func init() { slowdownsEnabled = true }
