package report

import (
	"fmt"
)

// Finding is one sentence of the report written from the data. Contradicts
// is set when the measurement goes against the lesson the benchmark is
// expected to teach; the report then says so instead of hiding it.
type Finding struct {
	Topic      string
	Text       string
	Contradict bool
}

// findingTopics lists the findings of every topic in report order; each
// topic's function lives beside its analysis (analysis_*.go).
var findingTopics = []func(d *Data) []Finding{
	throughputFindings, overheadFindings, speedupFindings, cpuFindings,
	ioFindings, memoryFindings, saturationFindings, blockingFindings,
	runtimeFindings,
}

// findings derives the report's findings from the data; every number comes
// from the results.
func findings(d *Data) []Finding {
	var out []Finding
	for _, topic := range findingTopics {
		out = append(out, topic(d)...)
	}
	return out
}

// adder returns a function that appends one formatted finding to out.
func adder(out *[]Finding) func(topic string, contradict bool, format string, args ...any) {
	return func(topic string, contradict bool, format string, args ...any) {
		*out = append(*out, Finding{Topic: topic, Text: fmt.Sprintf(format, args...), Contradict: contradict})
	}
}
