package server

// CheckFDs lets the external tests check for fd leaks.
var CheckFDs = checkFDs
