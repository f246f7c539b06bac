package report

// findingTopics lists the findings of every topic in report order; each
// topic's function lives beside its analysis (analysis_*.go).
var findingTopics = []func(d *Data) []Finding{
	throughputFindings, overheadFindings, speedupFindings, cpuFindings,
	ioFindings, memoryFindings, saturationFindings, blockingFindings,
	runtimeFindings, TaxFindings,
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
