package models_test

import (
	"context"
	"sync"
	"testing"

	"concbench/models"
	_ "concbench/models/all"
	"concbench/workload"
)

func TestNamesInDisplayOrder(t *testing.T) {
	names := models.Names()
	pos := map[string]int{}
	for i, n := range names {
		pos[n] = i
	}
	for _, pair := range [][2]string{{"sequential", "goroutines"}, {"goroutines", "pool"}} {
		if pos[pair[0]] > pos[pair[1]] {
			t.Errorf("%s listed after %s: %v", pair[0], pair[1], names)
		}
	}
	if _, err := models.Lookup("nosuch"); err == nil {
		t.Error("unknown model accepted")
	}
}

// TestFeed checks each load shape's arrivals as a model sees them.
func TestFeed(t *testing.T) {
	tasks, _ := workload.Build("noop", 10, workload.Params{})
	t.Run("batch", func(t *testing.T) {
		tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
		defer tr.Close()
		var got []int
		if err := tr.Feed(func(i int) { got = append(got, i) }); err != nil || len(got) != 10 {
			t.Fatalf("released %v, %v", got, err)
		}
	})
	t.Run("open", func(t *testing.T) {
		arr := []int64{0, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6, 7e6, 8e6, 9e6}
		tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Open, Arrivals: arr}, workload.Env{}, false)
		defer tr.Close()
		tr.Rec.Reset()
		if err := tr.Feed(func(i int) {
			if now := tr.Rec.Now(); now < arr[i] {
				t.Errorf("task %d released at %d ns, before its arrival %d", i, now, arr[i])
			}
		}); err != nil {
			t.Fatal(err)
		}
		for i, a := range arr {
			if tr.Rec.Arrive[i] != a {
				t.Errorf("task %d arrival %d, want intended %d", i, tr.Rec.Arrive[i], a)
			}
		}
	})
	t.Run("closed", func(t *testing.T) {
		tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Closed, Clients: 3}, workload.Env{}, false)
		defer tr.Close()
		var mu sync.Mutex
		out := 0
		peak := 0
		var wg sync.WaitGroup
		err := tr.Feed(func(i int) {
			mu.Lock()
			out++
			peak = max(peak, out)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				tr.Begin(i)
				mu.Lock()
				out--
				mu.Unlock()
				tr.Finish(i, 0)
			}()
		})
		wg.Wait()
		if err != nil || peak > 3 {
			t.Fatalf("closed:3 had %d outstanding, err %v", peak, err)
		}
	})
}

func TestFailStopsTrial(t *testing.T) {
	tasks, _ := workload.Build("noop", 4, workload.Params{})
	tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
	defer tr.Close()
	tr.Fail(2, context.DeadlineExceeded)
	if !tr.Stopped() || tr.Context().Err() == nil {
		t.Fatal("trial not stopped after a failure")
	}
	if err := tr.Err(); err == nil || err.Error() != "task 2: context deadline exceeded" {
		t.Errorf("Err() = %v", err)
	}
}

// TestBeginGate: a task the harness has not released cannot begin, under
// each load shape, whether or not the model uses Feed; a released one can,
// and the ledger says when it was released.
func TestBeginGate(t *testing.T) {
	tasks, _ := workload.Build("noop", 4, workload.Params{})
	far := int64(1) << 50 // an arrival no test reaches
	tests := []struct {
		name    string
		load    models.Load
		finish  int // tasks finished (0, 1, ...) before task 3 begins
		refused bool
	}{
		{"batch", models.Load{}, 0, false},
		{"closed:2 with no completion", models.Load{Shape: models.Closed, Clients: 2}, 0, true},
		{"closed:2 after one completion", models.Load{Shape: models.Closed, Clients: 2}, 1, true},
		{"closed:2 after two completions", models.Load{Shape: models.Closed, Clients: 2}, 2, false},
		{"open, before its arrival", models.Load{Shape: models.Open, Arrivals: []int64{0, 0, 0, far}}, 0, true},
		{"open, after its arrival", models.Load{Shape: models.Open, Arrivals: []int64{0, 0, 0, 0}}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := models.NewTrial(context.Background(), tasks, tt.load, workload.Env{}, false)
			defer tr.Close()
			for i := range tt.finish {
				tr.Begin(i)
				tr.Finish(i, 0)
			}
			tr.Begin(3)
			if refused := tr.Err() != nil; refused != tt.refused {
				t.Fatalf("task 3 refused = %v, want %v (err %v)", refused, tt.refused, tr.Err())
			}
			if at, ok := tr.ReleasedAt(3); ok == tt.refused && tt.load.Shape == models.Closed {
				t.Errorf("ledger: released %v at %d", ok, at)
			} else if ok && tt.load.Shape == models.Closed && at != tr.Rec.End[1] {
				t.Errorf("released at %d, not at the completion that freed it (%d)", at, tr.Rec.End[1])
			}
		})
	}
}
