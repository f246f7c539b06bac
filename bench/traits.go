package bench

import (
	"concbench/models"
	"concbench/resultfmt"
)

// ModelTraits are the registered models' traits in display order, as a
// results file records them beside File.Models.
func ModelTraits() []resultfmt.ModelTraits {
	var out []resultfmt.ModelTraits
	for _, n := range models.Names() {
		if i, err := models.Lookup(n); err == nil {
			out = append(out, i.Traits())
		}
	}
	return out
}
