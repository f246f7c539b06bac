package server_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/models"
	_ "concbench/models/goroutines"
	_ "concbench/models/pool"
	_ "concbench/models/sequential"
	"concbench/server"
	"concbench/workload"
)

// blocking are the models whose Net and File steps run on workload.Exec.
var blocking = []string{"sequential", "goroutines", "pool"}

// run builds tasks of preset and runs them on the named model.
func run(t *testing.T, ctx context.Context, model string, cfg models.Config, preset string, n int, p workload.Params, env workload.Env) (*models.Trial, error) {
	t.Helper()
	info, err := models.Lookup(model)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := workload.Build(preset, n, p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := info.New(info.Resolve(cfg))
	if err != nil {
		t.Fatal(err)
	}
	tr := models.NewTrial(ctx, tasks, models.Load{}, env, false)
	defer tr.Close()
	p.Nonce = workload.NewSecret()
	tr.SetNonce(p.Nonce)
	err = m.Run(tr.Context(), tr)
	if err == nil {
		if _, cerr := workload.Check(tasks, tr.Rec.Result, p); cerr != nil {
			t.Fatalf("%s on %s: %v", model, preset, cerr)
		}
	}
	return tr, err
}

// TestModelsRealIO runs io-net, mixed and io-file to completion on every
// blocking model, checking every task's body and file digests.
func TestModelsRealIO(t *testing.T) {
	server.CheckFDs(t)
	srv, err := server.Serve(context.Background(), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	p := workload.Params{NetDelay: time.Millisecond, NetSize: 3000, Units: 20, Files: 3, FileSize: 256 << 10, ReadSize: 4096, Key: workload.NewSecret()}
	files, err := workload.MakeFiles(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	env := workload.Env{ServerAddr: srv.Addr(), Files: files}
	for _, model := range blocking {
		for _, preset := range []string{"io-net", "mixed", "io-file"} {
			t.Run("model="+model+"/workload="+preset, func(t *testing.T) {
				server.CheckFDs(t)
				tr, err := run(t, context.Background(), model, models.Config{Concurrency: 8}, preset, 60, p, env)
				if err != nil {
					t.Fatal(err)
				}
				if got := tr.Rec.Finished(); got != 60 {
					t.Fatalf("%d of 60 tasks finished", got)
				}
			})
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestGoroutinesPeakInflight: 200 tasks of 1 s Net steps are all in flight
// at once on the goroutine model (a sequential run would hold one). The
// delay is long so that starting 200 goroutines under -race on a busy
// machine (CI ran this with two CPU hogs; at 50 ms the first answers came
// back before the last tasks had started: peak 197) cannot end a task
// before the last one starts.
func TestGoroutinesPeakInflight(t *testing.T) {
	server.CheckFDs(t)
	srv, err := server.Serve(context.Background(), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tr, err := run(t, context.Background(), "goroutines", models.Config{}, "io-net", 200,
		workload.Params{NetDelay: time.Second}, workload.Env{ServerAddr: srv.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	if peak := tr.Rec.PeakInflight(); peak != 200 {
		t.Errorf("peak in-flight %d, want 200", peak)
	}
	srv.Close()
}

// TestModelsServerUnreachable: a Net step against a closed port fails the
// trial with the cause, on every model.
func TestModelsServerUnreachable(t *testing.T) {
	server.CheckFDs(t)
	for _, model := range blocking {
		t.Run("model="+model, func(t *testing.T) {
			_, err := run(t, context.Background(), model, models.Config{}, "io-net", 10, workload.Params{},
				workload.Env{ServerAddr: "127.0.0.1:1"})
			if err == nil || !strings.Contains(err.Error(), "connect 127.0.0.1:1: connection refused") || !strings.Contains(err.Error(), "task ") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestModelsServerKilled: the server process dies mid-run; the trial fails
// with a cause and does not hang.
func TestModelsServerKilled(t *testing.T) {
	server.CheckFDs(t)
	for _, model := range blocking {
		t.Run("model="+model, func(t *testing.T) {
			proc, err := server.Spawn(context.Background(), server.Options{})
			if err != nil {
				t.Fatal(err)
			}
			time.AfterFunc(150*time.Millisecond, func() { syscall.Kill(proc.PID(), syscall.SIGKILL) })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			t0 := time.Now()
			_, err = run(t, ctx, model, models.Config{Concurrency: 4}, "io-net", 400,
				workload.Params{NetDelay: 20 * time.Millisecond}, workload.Env{ServerAddr: proc.Addr(), StepTimeout: 10 * time.Second})
			if err == nil || ctx.Err() != nil {
				t.Fatalf("err = %v after %v", err, time.Since(t0))
			}
			// Refused, reset or EOF mid-response, depending on when the
			// kill lands: any of them is named as a NetError with its cause.
			var ne *workload.NetError
			if !errors.As(err, &ne) || !strings.Contains(err.Error(), "task ") {
				t.Errorf("err = %v, want a task's NetError naming the cause", err)
			}
			if _, err := proc.Stop(); err == nil || !strings.Contains(err.Error(), "signal: killed") {
				t.Errorf("Stop: %v", err)
			}
		})
	}
}
