package apidoc

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// The checked-in internal/web/openapi.json is exactly what the fragments
// build: nobody edited it by hand, and nobody forgot `go generate`.
func TestCheckedInDocumentIsGenerated(t *testing.T) {
	want, err := Build(os.DirFS("../openapi.d"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/web/openapi.json is stale or edited by hand: run `go generate ./internal/web` and commit it")
	}
}

// Two fragments defining the same path (or schema) is an error, not a
// silent overwrite of one feature's documentation by another's.
func TestBuildRefusesADuplicateKey(t *testing.T) {
	fsys := fstest.MapFS{
		"010-a.json": {Data: []byte(`{"paths":{"/x":{"get":{"operationId":"a"}}}}`)},
		"020-b.json": {Data: []byte(`{"paths":{"/x":{"get":{"operationId":"b"}}}}`)},
	}
	_, err := Build(fsys)
	if err == nil || !strings.Contains(err.Error(), `"get" defined twice`) {
		t.Fatalf("want a duplicate-key error, got %v", err)
	}
}
