package report

import (
	"fmt"
	"strconv"

	"concbench/resultfmt"
)

// serverRateTable lists every server-rate cell: offered and achieved
// rate, p99, the usable repeats (and why the others are not), the knee.
func serverRateTable(d *Data) Table {
	t := Table{ID: "server-rate", Title: fmt.Sprintf("Servers: p99 from intended send per offered rate (median (min–max) of the usable repeats; knee: highest rate with >= %.0f%% answered and p99 under the bound, every lower rate too)", 100*resultfmt.ServerKeepUp),
		Header: []string{"handler", "model", "offered/s", "answered/s", "p99 ms", "p50 ms", "server CPU cores", "server RSS MiB", "usable", "knee", "not usable"},
		Core:   []string{"handler", "model", "offered/s", "answered/s", "p99 ms", "usable", "knee"},
		More:   []string{"not usable", "p50 ms", "server CPU cores", "server RSS MiB"}}
	for _, cur := range rateCurves(d) {
		for i, c := range cur.Points {
			k := ""
			if i == cur.Knee {
				k = "← knee"
			}
			t.Rows = append(t.Rows, []string{cur.Workload, cur.Series, num(resultfmt.OpenRate(c.Spec.Load)),
				statText(c, func(t resultfmt.ServerTrial) float64 { return t.Achieved }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return t.P99 }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return t.P50 }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return t.ServerCores }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return float64(t.ServerRSS) / (1 << 20) }),
				c.validText(), k, c.whyText()})
		}
	}
	return t
}

// statText is rng of f over c's usable trials, "–" when none is.
func statText(c *serverCell, f func(resultfmt.ServerTrial) float64) string {
	if len(c.Valid) == 0 {
		return "–"
	}
	return rng(c.stat(f))
}

// serverC10kTable lists the C10k cells.
func serverC10kTable(d *Data) Table {
	t := Table{ID: "server-c10k", Title: "C10k: idle keep-alive connections held (median (min–max) of the usable repeats)",
		Header: []string{"model", "connections", "KiB/conn", "set-up conns/s", "idle RSS MiB", "server fds", "server threads", "usable", "not usable"},
		Core:   []string{"model", "connections", "KiB/conn", "set-up conns/s", "usable"},
		More:   []string{"not usable", "idle RSS MiB", "server threads", "server fds"}}
	for _, s := range c10kCurves(d) {
		for _, c := range s.Points {
			t.Rows = append(t.Rows, []string{s.Series, strconv.Itoa(c.Spec.IdleConns()), statText(c, perConn), statText(c, setupRate),
				statText(c, func(t resultfmt.ServerTrial) float64 { return float64(t.IdleRSS) / (1 << 20) }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return float64(t.IdleFDs) }),
				statText(c, func(t resultfmt.ServerTrial) float64 { return float64(t.IdleThreads) }),
				c.validText(), c.whyText()})
		}
	}
	return t
}

// serverBlockingTable lists the blocking-handler cells.
func serverBlockingTable(d *Data) Table {
	t := Table{ID: "server-blocking", Title: "Servers with a blocking handler: p99 of the requests that did not block, and of all (ms; median (min–max) of the usable repeats)",
		Header: []string{"model", "load", "own wait ms", "block ms", "p99 others", "p99 all", "stalled", "usable", "not usable"},
		Core:   []string{"model", "p99 others", "p99 all", "stalled", "usable"},
		More:   []string{"not usable", "block ms", "own wait ms", "load"}}
	for _, v := range blockVictims(d) {
		c := v.Cell
		stalled := "–"
		if len(c.Valid) > 0 {
			stalled = map[bool]string{true: "yes", false: "no"}[v.stalled()]
		}
		t.Rows = append(t.Rows, []string{c.Series, c.Spec.Load, num(v.Own), num(v.Block),
			statText(c, func(t resultfmt.ServerTrial) float64 { return t.P99Others }),
			statText(c, func(t resultfmt.ServerTrial) float64 { return t.P99 }), stalled, c.validText(), c.whyText()})
	}
	return t
}
