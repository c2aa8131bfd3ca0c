package signature

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Canonical is the document a signature covers: one JSON object with its
// keys sorted, no insignificant space, UTF-8, naming the action and the
// object so a signature over one cannot be attached to another. Its exact
// bytes are stored with the signature.
func Canonical(action, objectType, objectID string, fields map[string]any) ([]byte, error) {
	m := map[string]any{}
	for k, v := range fields {
		m[k] = v
	}
	m["desk"] = "tenderdesk"
	m["action"] = action
	m["object_type"] = objectType
	m["object_id"] = objectID
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// CheckCanonical reports whether doc is a canonical document about action
// on the object: it must re-encode to the same bytes.
func CheckCanonical(doc []byte, action, objectType, objectID string) error {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		return fmt.Errorf("the document is not a JSON object: %v", err)
	}
	for k, want := range map[string]string{"action": action, "object_type": objectType, "object_id": objectID, "desk": "tenderdesk"} {
		if got, _ := m[k].(string); got != want {
			return fmt.Errorf("the document's %s is %q, not %q", k, m[k], want)
		}
	}
	again, err := Canonical(action, objectType, objectID, m)
	if err != nil {
		return err
	}
	if !bytes.Equal(again, doc) {
		return fmt.Errorf("the document is not in canonical form (sorted keys, no spaces)")
	}
	return nil
}
