package report

import (
	"strconv"
	"time"

	"concbench/resultfmt"
	"concbench/workload"
)

// addServerFixture gives the fixture the server charts' trials: two
// repeats of three models on two handlers at three rates (one saturating,
// one trial marked invalid), C10k at two sizes, and the blocking handler.
func addServerFixture(f *resultfmt.File) {
	add := func(tag, model, wl, load string, tasks int, p workload.Params, bound float64, fill func(t *resultfmt.ServerTrial, rep int)) {
		for rep := range 2 {
			t := resultfmt.ServerTrial{Spec: resultfmt.ServerSpec{Tag: tag, Model: model, Workload: wl, Load: load, Tasks: tasks, Params: p.Fill(), P99Bound: bound},
				Repeat: rep, Sent: tasks, Answered: tasks, Verified: tasks, Window: 0.2, GenCores: 0.1, LagP99: 1, Conns: 8,
				ServerCores: 0.5, ServerRSS: 16 << 20, ServerThreads: 6, ServerPIDs: 1}
			fill(&t, rep)
			f.Servers = append(f.Servers, t)
		}
	}
	j := func(rep int) float64 { return 1 + 0.03*float64(rep) }
	io := workload.Params{Sleep: 10 * time.Millisecond}
	cpu := workload.Params{Units: 1000}
	for _, m := range []struct {
		model         string
		ioCap, cpuCap float64 // requests/s it can serve
	}{{"sequential", 95, 1500}, {"eventloop", 8000, 1600}, {"goroutines", 9000, 2800}} {
		for _, h := range []struct {
			wl    string
			p     workload.Params
			rates []float64
			cap   float64
			floor float64
		}{{"io-sleep", io, []float64{50, 400, 3000}, m.ioCap, 10.5}, {"cpu-hash", cpu, []float64{200, 800, 2400}, m.cpuCap, 0.6}} {
			for _, r := range h.rates {
				add(resultfmt.TagServerRate, m.model, h.wl, "open:"+strconv.Itoa(int(r)), int(r*0.15), h.p, map[bool]float64{true: 50, false: 20}[h.wl == "io-sleep"], func(t *resultfmt.ServerTrial, rep int) {
					t.Offered = r
					t.Achieved, t.P50, t.P99 = r*0.99, h.floor*j(rep), 1.4*h.floor*j(rep)
					if r > h.cap {
						t.Achieved, t.P50, t.P99 = h.cap, 300*j(rep), 600*j(rep)
					}
					t.Rate, t.Max = t.Achieved*0.95, t.P99*1.2
					if m.model == "goroutines" && r == 800 && rep == 1 {
						t.Invalid = "generator fell behind its schedule (lag p99 12.0 ms > 10ms)"
					}
				})
			}
		}
	}
	for _, m := range []struct {
		model string
		kib   float64
		setup float64
	}{{"eventloop", 1, 9000}, {"goroutines", 4.5, 8000}} {
		for _, n := range []int{1000, 10000} {
			add(resultfmt.TagServerC10k, m.model, "noop", "idle:"+strconv.Itoa(n), 100, workload.Params{}, 0, func(t *resultfmt.ServerTrial, rep int) {
				t.Sent, t.Answered, t.Verified, t.Conns = n, n, n, n
				t.BytesPerConn, t.SetupRate = m.kib*1024*j(rep), m.setup*j(rep)
				t.BaseRSS, t.IdleRSS, t.IdleFDs, t.IdleThreads = 8<<20, 8<<20+int64(t.BytesPerConn)*int64(n), n+10, 6
				t.Window = float64(n) / t.SetupRate
			})
		}
	}
	for _, m := range []struct {
		model  string
		others float64
	}{{"sequential", 900}, {"eventloop", 104}, {"goroutines", 7}} {
		p := workload.Params{Sleep: 5 * time.Millisecond, Block: 100 * time.Millisecond, BlockEvery: 100}
		add(resultfmt.TagServerBlocking, m.model, "blocking-mistake", "open:400", 200, p, 0, func(t *resultfmt.ServerTrial, rep int) {
			t.Offered, t.Achieved, t.Blocked = 400, 396, 2
			t.P99Others, t.P99, t.P50 = m.others*j(rep), (m.others+100)*j(rep), 6
		})
	}
}
