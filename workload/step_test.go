package workload

import (
	"strings"
	"testing"
)

// TestKindValid: the defined kinds are valid and named; the first value
// past them is not.
func TestKindValid(t *testing.T) {
	for k := Noop; k < numKinds; k++ {
		if !k.Valid() || strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d: Valid=%v String=%q", k, k.Valid(), k)
		}
	}
	for _, k := range []Kind{numKinds, 255} {
		if k.Valid() {
			t.Errorf("kind %d reported valid", k)
		}
	}
}
