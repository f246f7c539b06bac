//go:build !linux

package multiproc

import (
	"context"
	"errors"

	"concbench/models"
)

// errLinuxOnly is what the model says on systems without Pdeathsig.
var errLinuxOnly = errors.New("multiproc needs Linux (workers are tied to the parent with Pdeathsig and counted through /proc)")

// supported fails: workers need Pdeathsig and /proc.
func supported() error { return errLinuxOnly }

// Run returns an error: the model needs Linux.
func (m *Model) Run(context.Context, *models.Trial) error { return errLinuxOnly }

// prepared is unused where workers cannot run.
type prepared struct{}
