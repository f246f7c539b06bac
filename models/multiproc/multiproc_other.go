//go:build !linux

package multiproc

import (
	"context"
	"errors"
	"runtime"

	"concbench/models"
)

// errLinuxOnly is what the model says on systems without Pdeathsig.
var errLinuxOnly = errors.New("multiproc needs Linux (workers are tied to the parent with Pdeathsig)")

func init() {
	models.Register(models.Info{
		Name:           "multiproc",
		Rank:           50,
		Doc:            "P worker processes, tasks framed over pipes (ProcessPoolExecutor; Linux only)",
		Procs:          models.AllCPUs,
		Concurrency:    func() int { return runtime.NumCPU() },
		ConcurrencyDoc: "P worker processes (default: number of CPUs)",
		New:            newModel,
	})
}

// New returns an error: the model needs Linux.
func New(models.Config) (*Model, error) { return nil, errLinuxOnly }

// Run returns an error: the model needs Linux.
func (m *Model) Run(context.Context, *models.Trial) error { return errLinuxOnly }

// prepared is unused where workers cannot run.
type prepared struct{}
