//go:build ignore

// gen_openapi writes openapi.json from the fragments in openapi.d (run by
// `go generate ./internal/web`).
package main

import (
	"log"
	"os"

	"tenderdesk/internal/web/apidoc"
)

func main() {
	b, err := apidoc.Build(os.DirFS("openapi.d"))
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("openapi.json", b, 0o644); err != nil {
		log.Fatal(err)
	}
}
