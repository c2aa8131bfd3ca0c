package dbcopy

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// timeLayouts are the ways a SQLite desk writes an instant as TEXT: the
// store's fixed-width UTC (internal/store/time.go) and RFC 3339 first, then
// SQLite's own CURRENT_TIMESTAMP form.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"}

// convert turns a value as SQLite holds it (int64, float64, string, []byte
// or nil) into what PostgreSQL's column of type pgType (information_schema
// data_type) takes over COPY. What does not fit is an error, never a guess.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	if b, ok := v.([]byte); ok && pgType != "bytea" {
		v = string(b)
	}
	switch pgType {
	case "text", "character varying", "character", "name":
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		}
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) {
				return int64(x), nil
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
				return n, nil
			}
		}
	case "boolean":
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case int64:
			return float64(x), nil
		case float64:
			return x, nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case "timestamp with time zone", "timestamp without time zone":
		if s, ok := v.(string); ok {
			if s == "" {
				return nil, fmt.Errorf("empty text where an instant is due")
			}
			for _, l := range timeLayouts {
				if t, err := time.Parse(l, s); err == nil {
					return t.UTC(), nil
				}
			}
		}
	case "date":
		if s, ok := v.(string); ok {
			if t, err := time.Parse("2006-01-02", s); err == nil {
				return t, nil
			}
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "json", "jsonb":
		if s, ok := v.(string); ok && json.Valid([]byte(s)) {
			return json.RawMessage(s), nil
		}
	case "inet", "cidr":
		if s, ok := v.(string); ok {
			if p, err := netip.ParsePrefix(s); err == nil {
				return p, nil
			}
			if a, err := netip.ParseAddr(s); err == nil {
				return netip.PrefixFrom(a, a.BitLen()), nil
			}
		}
	default:
		return nil, fmt.Errorf("no conversion into PostgreSQL type %s (teach internal/dbcopy's convert)", pgType)
	}
	return nil, fmt.Errorf("%T %.60q does not fit %s", v, fmt.Sprint(v), pgType)
}
