// Package badinput holds the one sentinel error that marks bad input (unknown
// names, impossible sizes, bad flags) anywhere in concbench. Every package
// wraps it, so the CLI maps all of them to exit status 2 with one check.
package badinput

import "errors"

// Err is wrapped by every bad-input error; its text is the prefix the CLI
// strips before printing the one-line message.
var Err = errors.New("usage")
