package bench

import (
	"context"
	"encoding/json"
	"fmt"
)

// LoadSuiteContext is LoadSuite stopped by ctx: reading a suite file may
// block for ever (a FIFO with no writer, `--suite <(slow command)`), in
// open(2) where no deadline reaches, so the read runs in a goroutine and
// ctx's error is returned as soon as ctx ends; the blocked read is left to
// the process's exit (the CLI exits then, with status 130).
func LoadSuiteContext(ctx context.Context, name string) (*Suite, error) {
	type result struct {
		s   *Suite
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := LoadSuite(name)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading suite %s: %w", name, ctx.Err())
	}
}

// writtenZeros refuses a suite-level field written as 0 where 0 is not
// allowed: in a suite file a written 0 is 0 (README), never silently the
// default that an absent field takes, so repeats, max_repeats, ci_target,
// seed and timeout written as 0 are refused with the allowed range.
// (Check fills those defaults for zero fields, as Go literals of the
// built-in suites need.)
func writtenZeros(b []byte, s *Suite) error {
	var present map[string]json.RawMessage
	if err := json.Unmarshal(b, &present); err != nil {
		return fmt.Errorf("suite is not valid JSON: %w", err)
	}
	name := s.Name
	for _, f := range []struct {
		key, allowed string
		zero         bool
	}{
		{"repeats", "1..100; leave it out for the default 3", s.Repeats == 0},
		{"max_repeats", "repeats..100; leave it out for no adaptive repeats", s.MaxRepeats == 0},
		{"ci_target", "(0, 1]; leave it out for the default 0.03", s.CITarget == 0},
		{"seed", "1..18446744073709551615; leave it out for the default 1", s.Seed == 0},
		{"timeout", "a duration 1ns..24h; leave it out for the default 2m", s.Timeout == 0},
	} {
		if _, ok := present[f.key]; ok && f.zero {
			return fmt.Errorf("suite %s: %s written as 0 is not allowed (allowed %s)", name, f.key, f.allowed)
		}
	}
	return nil
}
