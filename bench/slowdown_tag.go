//go:build slowdown

package bench

// A binary built with `-tags slowdown` honours EnvSlowdown, for proving a
// regression with the CLI (README "Comparing runs"); `make build` never
// sets the tag.
func init() { slowdownsEnabled = true }
