package resultfmt

import (
	"math"
	"testing"
)

func TestMedianCI(t *testing.T) {
	if iv := MedianCI([]float64{5}); iv.Level != 0 || !math.IsInf(iv.HalfWidth(5), 1) {
		t.Errorf("one value: %+v, want no interval", iv)
	}
	// s = 10, n = 3: half width t(0.975, 2) x sqrt(pi/2) x 10 / sqrt(3).
	iv := MedianCI([]float64{90, 100, 110})
	want := 4.303 * math.Sqrt(math.Pi/2) * 10 / math.Sqrt(3)
	if math.Abs((iv.Hi-iv.Lo)/2-want) > 1e-9 || math.Abs((iv.Hi+iv.Lo)/2-100) > 1e-9 || iv.Level != 0.95 {
		t.Errorf("interval %+v, want 100 ± %.3f at 0.95", iv, want)
	}
	if Converged([]Result{{Throughput: 90}, {Throughput: 100}, {Throughput: 110}}, CITarget) {
		t.Error("±31% counted as converged to ±3%")
	}
	if !Converged([]Result{{Throughput: 1000}, {Throughput: 1001}, {Throughput: 999}}, CITarget) {
		t.Error("±0.3% not counted as converged")
	}
}
