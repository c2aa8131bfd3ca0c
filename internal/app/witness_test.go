package app_test

import (
	"net/http"
	"strings"
	"testing"
)

// Issue 12: with no address for the daily witness the desk runs, and the
// administrator is told in /readyz (the job itself logs at each run).
func TestReadyzWarnsWitnessNotMailed_Issue12(t *testing.T) {
	d := boot(t, t.TempDir()+"/data")
	ready := d.must(d.req("GET", "/readyz", "", nil), http.StatusOK)
	ws, _ := ready.JSON["warnings"].([]any)
	for _, w := range ws {
		if strings.Contains(w.(string), "--witness-email") {
			return
		}
	}
	t.Fatalf("/readyz does not warn that the witness is not mailed: %s", ready)
}
