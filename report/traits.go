package report

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"concbench/resultfmt"
)

// The analysis asks about models by their traits (resultfmt.ModelTraits,
// declared in the registry and recorded in results.json), never by name:
// "the Go event loop", "a family's baseline", "a model that runs CPU steps
// in parallel".

// traits returns the traits of model (a model name, not a series); the zero
// value when the results file does not know them.
func (d *Data) traits(model string) resultfmt.ModelTraits {
	if d.traitsBy == nil {
		d.traitsBy = d.File.TraitsOf()
	}
	return d.traitsBy[model]
}

// modelWhere returns the first model in display order whose traits match,
// or "" when none does.
func (d *Data) modelWhere(match func(resultfmt.ModelTraits) bool) string {
	for _, m := range d.modelNames() {
		if t := d.traits(m); t.Name != "" && match(t) {
			return m
		}
	}
	return ""
}

// modelNames lists the models the file knows in display order: File.Models,
// then models with recorded traits, then models that ran.
func (d *Data) modelNames() []string {
	names := slices.Clone(d.File.Models)
	for _, t := range d.File.Traits {
		if !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	for _, c := range d.Cells {
		if !slices.Contains(names, c.Spec.Model) {
			names = append(names, c.Spec.Model)
		}
	}
	return names
}

// isBaseline reports whether t is its family's baseline (one task at a
// time, or one loop thread): the model speedups are measured against.
func isBaseline(t resultfmt.ModelTraits) bool { return t.Name != "" && t.Baseline == t.Name }

// goKind matches the Go model of kind k (worker processes when procs).
func goKind(k resultfmt.ModelKind, procs bool) func(resultfmt.ModelTraits) bool {
	return func(t resultfmt.ModelTraits) bool {
		return t.Family == resultfmt.FamilyGo && t.Kind == k && t.Processes == procs
	}
}

// The Go models the findings compare: the event loop, a goroutine per task
// and the worker processes.
var (
	goLoop      = goKind(resultfmt.KindEventLoop, false)
	goPerTask   = goKind(resultfmt.KindPerTask, false)
	goProcesses = goKind(resultfmt.KindPool, true)
)

// capital is s with its first letter in upper case, to open a sentence
// with a model's name.
func capital(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToValidUTF8(string(unicode.ToUpper(r))+s[n:], "")
}

// goBaseline names the Go models' baseline ("the baseline" when the file
// knows none).
func (d *Data) goBaseline() string {
	if m := d.modelWhere(func(t resultfmt.ModelTraits) bool { return isBaseline(t) && t.Family == resultfmt.FamilyGo }); m != "" {
		return m
	}
	return "the baseline"
}

// baselines lists every family's baseline model in display order.
func (d *Data) baselines() []string {
	var out []string
	for _, m := range d.modelNames() {
		if isBaseline(d.traits(m)) {
			out = append(out, m)
		}
	}
	return out
}
