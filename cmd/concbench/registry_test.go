package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"concbench/bench"
	"concbench/models"
	"concbench/report"
	"concbench/resultfmt"
)

// toyEnv makes the test binary register a toy sixth model and run toyMain
// instead of the tests: registration is global, so the toy lives in a
// process of its own and never leaks into the other tests.
const toyEnv = "CONCBENCH_TEST_TOY_MODEL"

// toyMain registers a model only in the registry and checks that it
// reaches everything derived from the registry. It returns the exit status.
func toyMain() int {
	models.Register(models.Info{
		Name: "toy", Doc: "a toy model registered only in the registry",
		New: func(models.Config) (models.Model, error) { return nil, errors.New("toy") },
	})
	var fails []string
	failf := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }

	if out, _, code := cli("list"); code != 0 || !strings.Contains(out, "toy") {
		failf("concbench list (exit %d) does not show the toy model", code)
	}
	s, err := bench.LoadSuite("quick")
	if err != nil {
		failf("quick suite: %v", err)
	} else if !slices.ContainsFunc(s.Cells(), func(c bench.Spec) bool { return c.Model == "toy" }) {
		failf("the quick suite has no cell for the toy model")
	}
	for _, m := range models.Names() {
		if m != "toy" && report.ModelColor(traitsOf(m)) == report.ModelColor(traitsOf("toy")) {
			failf("the toy model has the colour of %s", m)
		}
	}
	if report.ModelColor(traitsOf("toy")) == nil {
		failf("the toy model has no colour")
	}
	if len(fails) > 0 {
		fmt.Fprintln(os.Stderr, strings.Join(fails, "\n"))
		return 1
	}
	fmt.Println("toy model: listed, in the quick suite, coloured")
	return 0
}

// TestToyModelReachesEverything registers a sixth model only in the
// registry (in a child process) and checks it appears in `concbench list`,
// in the quick suite and with its own colour in the charts. The semantics
// test's side (a model without an expectation fails) is
// bench.TestEveryModelHasExpectation.
func TestToyModelReachesEverything(t *testing.T) {
	cmd := exec.CommandContext(context.Background(), os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), toyEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("toy model child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "toy model: listed, in the quick suite, coloured") {
		t.Fatalf("toy model child did not run its checks:\n%s", out)
	}
}

// TestEveryModelStyled fails when a registered model has no colour and
// marker of its own in the report.
func TestEveryModelStyled(t *testing.T) {
	for _, m := range models.Names() {
		if !report.ModelStyled(traitsOf(m)) {
			t.Errorf("model %s has no colour/marker for its traits %+v in report/style.go (kindStyles)", m, traitsOf(m))
		}
	}
}

// traitsOf is a registered model's traits (the zero value if unknown).
func traitsOf(m string) resultfmt.ModelTraits {
	i, _ := models.Lookup(m)
	return i.Traits()
}
