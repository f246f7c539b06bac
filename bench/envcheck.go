package bench

// CheckEnv checks the environment variables a run reads (CONCBENCH_SERVER)
// before any trial starts, so a malformed value is one line of bad input
// (exit status 2) rather than a failed trial child per cell.
func CheckEnv() error { return checkRemoteServer() }
