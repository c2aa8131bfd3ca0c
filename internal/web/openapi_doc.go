package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"
)

// openapi.d holds one fragment per feature ({"paths":…, "components":
// {"schemas":…}}), merged into openapi.json, so features document their
// routes without editing one shared file.
//
//go:embed openapi.d
var fragments embed.FS

var openapiDoc = sync.OnceValues(func() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	names, _ := fs.Glob(fragments, "openapi.d/*.json")
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fragments, n)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := json.Unmarshal(b, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if err := merge(doc, frag, n); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", "  ")
})

// OpenAPIDocument is openapi.json with every fragment of openapi.d merged in.
func OpenAPIDocument() ([]byte, error) { return openapiDoc() }

// merge adds frag's maps into doc; a key defined twice is an error, so two
// features cannot silently overwrite each other's path or schema.
func merge(doc, frag map[string]any, where string) error {
	for k, v := range frag {
		fm, isMap := v.(map[string]any)
		dm, exists := doc[k].(map[string]any)
		switch {
		case !exists && doc[k] == nil:
			doc[k] = v
		case isMap && exists:
			if err := merge(dm, fm, where+"/"+k); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: %q defined twice", where, k)
		}
	}
	return nil
}
