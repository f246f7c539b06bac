package report

// The bottom layer of the package: the Finding type and the number
// formats that the analysis, the tables and the captions share.

import (
	"fmt"
	"math"
	"strconv"

	"concbench/resultfmt"
)

// Finding is one sentence of the report written from the data. Contradicts
// is set when the measurement goes against the lesson the benchmark is
// expected to teach; the report then says so instead of hiding it.
type Finding struct {
	Topic      string
	Text       string
	Contradict bool
}

// adder returns a function that appends one formatted finding to out.
func adder(out *[]Finding) func(topic string, contradict bool, format string, args ...any) {
	return func(topic string, contradict bool, format string, args ...any) {
		*out = append(*out, Finding{Topic: topic, Text: fmt.Sprintf(format, args...), Contradict: contradict})
	}
}

// num formats v with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case a == 0:
		return "0"
	case a >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case a >= 0.01:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// rng formats a Stat as "median (min-max)", or the median alone for one
// repeat.
func rng(s resultfmt.Stat) string {
	if s.Min == s.Max {
		return num(s.Median)
	}
	return fmt.Sprintf("%s (%s–%s)", num(s.Median), num(s.Min), num(s.Max))
}

// conc formats a cell's resolved concurrency.
func conc(c *Cell) string { return FormatConc(c.Conc) }

// FormatConc formats a resolved concurrency; 0 means unlimited.
func FormatConc(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

// FormatNum formats v as the report's tables do: about three significant
// digits, "-" for NaN and infinities.
func FormatNum(v float64) string { return num(v) }

// FormatStat formats a figure over repeats as the report's tables do:
// "median (min–max)", or the median alone when the repeats agree.
func FormatStat(s resultfmt.Stat) string { return rng(s) }

func joinComma(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}

// fmtNum formats a tick value compactly: 0.001, 0.5, 20, 1k, 10M.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 3, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// fmtBytes formats a byte count with a binary unit.
func fmtBytes(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1<<30:
		return fmt.Sprintf("%.2f GiB", v/(1<<30))
	case a >= 1<<20:
		return fmt.Sprintf("%.1f MiB", v/(1<<20))
	case a >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}
