package bench

import "concbench/resultfmt"

// The results schema lives in the leaf package resultfmt, which the
// reporter reads without linking the harness. The harness writes those
// types; these aliases keep its code short.
type (
	// Spec is everything that defines one trial (resultfmt.Spec).
	Spec = resultfmt.Spec
	// Result is one trial's measurements (resultfmt.Result).
	Result = resultfmt.Result
	// File is results.json (resultfmt.File).
	File = resultfmt.File
	// Meta describes the machine a suite ran on (resultfmt.Meta).
	Meta = resultfmt.Meta
	// Summary aggregates the repeats of one configuration (resultfmt.Summary).
	Summary = resultfmt.Summary
	// Dist summarises a distribution of durations (resultfmt.Dist).
	Dist = resultfmt.Dist
	// Sample is one point of a trial's timeline (resultfmt.Sample).
	Sample = resultfmt.Sample
	// Point is one task of a trial's per-task series (resultfmt.Point).
	Point = resultfmt.Point
	// Runtime holds Go runtime/metrics figures (resultfmt.Runtime).
	Runtime = resultfmt.Runtime
)

// DefaultTimeout bounds a trial when Spec.Timeout is zero.
const DefaultTimeout = resultfmt.DefaultTimeout

// DefaultSample is the CPU-use timeline period when Spec.Sample is zero.
const DefaultSample = resultfmt.DefaultSample
