package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"concbench/resultfmt"
)

// mergeFiles is the one results file a report across machines describes:
// every input's trials, the union of their models in order, complete only
// if every input is, and each input's notes prefixed with its label. Meta
// is the first input's; each machine's own is in Data.Inputs.
func mergeFiles(inputs []Input) *resultfmt.File {
	if len(inputs) == 1 {
		return inputs[0].File
	}
	m := &resultfmt.File{Schema: resultfmt.SchemaVersion, Complete: true, Warmup: true, Meta: inputs[0].File.Meta}
	var suites []string
	for _, in := range inputs {
		f := in.File
		if !slices.Contains(suites, f.Suite) {
			suites = append(suites, f.Suite)
		}
		m.Complete = m.Complete && f.Complete
		m.Warmup = m.Warmup && f.Warmup
		m.Interrupted = m.Interrupted || f.Interrupted
		m.Failed += f.Failed
		for _, n := range f.Notes {
			m.Notes = append(m.Notes, in.Label+": "+n)
		}
		for _, model := range f.Models {
			if !slices.Contains(m.Models, model) {
				m.Models = append(m.Models, model)
			}
		}
		for _, t := range f.Traits {
			if !slices.ContainsFunc(m.Traits, func(u resultfmt.ModelTraits) bool { return u.Name == t.Name }) {
				m.Traits = append(m.Traits, t)
			}
		}
		m.Trials = append(m.Trials, f.Trials...)
	}
	m.Suite = strings.Join(suites, " + ")
	return m
}

// CheckLabels rejects machine labels that are empty, repeated or contain
// the series separator, naming the problem in one line.
func CheckLabels(labels []string) error {
	for i, l := range labels {
		switch {
		case strings.TrimSpace(l) == "":
			return fmt.Errorf("label %d is empty", i+1)
		case strings.Contains(l, strings.TrimSpace(seriesSep)):
			return fmt.Errorf("label %q contains %q, which joins model and machine in series names", l, strings.TrimSpace(seriesSep))
		case slices.Contains(labels[:i], l):
			return fmt.Errorf("label %q is given twice: each machine needs its own", l)
		}
	}
	return nil
}

// machineCores lists the distinct core counts of the inputs, in input
// order, with the labels of the machines that have each.
func (d *Data) machineCores() (cores []int, labels [][]string) {
	for _, in := range d.Inputs {
		n := max(1, in.File.Meta.Cores)
		i := slices.Index(cores, n)
		if i < 0 {
			cores, labels = append(cores, n), append(labels, nil)
			i = len(cores) - 1
		}
		labels[i] = append(labels[i], in.Label)
	}
	return cores, labels
}

// joinInts writes 2, 4 and 64 as "2, 4 and 64".
func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
