//go:build !linux

package eventloop

import (
	"errors"

	"concbench/models"
)

// newModel fails: the reactor is built on epoll, timerfd and eventfd.
func newModel(limit, threads int) (models.Model, error) {
	return nil, errors.New("eventloop needs Linux epoll")
}
