package web

import _ "embed"

// OpenAPI is the API's document exactly as checked in and served. It is
// generated from openapi.d (see package apidoc); edit the fragments, then:
//
//go:generate go run gen_openapi.go
//go:embed openapi.json
var OpenAPI []byte

// OpenAPIDocument is the served document.
func OpenAPIDocument() ([]byte, error) { return OpenAPI, nil }
