package models_test

import (
	"context"
	"testing"

	"concbench/models"
	"concbench/workload"
)

// BenchmarkBeginFinish: the harness's per-task hot path (Begin + Finish)
// under each load shape, Feed included for closed and open loads.
func BenchmarkBeginFinish(b *testing.B) {
	const n = 100_000
	tasks, _ := workload.Build("noop", n, workload.Params{})
	for _, l := range []struct {
		name string
		load models.Load
	}{
		{"batch", models.Load{}},
		{"closed:64", models.Load{Shape: models.Closed, Clients: 64}},
		{"open", models.Load{Shape: models.Open, Arrivals: make([]int64, n)}},
	} {
		b.Run("load="+l.name, func(b *testing.B) {
			var total int64
			for range b.N {
				tr := models.NewTrial(context.Background(), tasks, l.load, workload.Env{}, false)
				tr.Rec.Reset()
				q, wait := tr.FeedQueue(n)
				for i := range q {
					tr.Begin(i)
					tr.Finish(i, 0)
				}
				if err := wait(); err != nil {
					b.Fatal(err)
				}
				total += tr.Rec.Now()
				tr.Close()
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(total)/float64(b.N)/n, "ns/task")
		})
	}
}
