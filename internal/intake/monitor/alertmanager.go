package monitor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"time"

	"tenderdesk/internal/apperr"
)

// Webhook is Alertmanager's webhook payload (version 4), as its
// documentation gives it (prometheus.io/docs/alerting/latest/configuration,
// <webhook_config>). Fields the desk does not use are kept in the stored
// detail; fields a newer Alertmanager adds are ignored, not refused.
type Webhook struct {
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   int               `json:"truncatedAlerts"`
	Status            string            `json:"status"`
	Receiver          string            `json:"receiver"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Alerts            []Alert           `json:"alerts"`
}

// Alert is one alert of a webhook.
type Alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// MaxWebhook is the largest webhook body accepted (Alertmanager's
// max_alerts bounds it on the sender's side).
const MaxWebhook = 8 << 20

// ModuleLabel is the label naming the portal module when the module map
// has no entry for an alert's labels.
const ModuleLabel = "module"

// DecodeWebhook reads and checks a payload; every problem names its field
// (alerts[2].status …).
func DecodeWebhook(r io.Reader) (Webhook, error) {
	var w Webhook
	dec := json.NewDecoder(r)
	if err := dec.Decode(&w); err != nil {
		var typ *json.UnmarshalTypeError
		var perr *time.ParseError
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return w, apperr.New(apperr.TooLarge, "body larger than %d bytes", tooBig.Limit)
		case errors.As(err, &typ):
			return w, &apperr.Error{Code: apperr.Invalid, Message: "wrong type",
				Fields: map[string]string{cmpOr(typ.Field, "(body)"): "must be " + typ.Type.String() + ", not " + typ.Value}}
		case errors.As(err, &perr):
			return w, &apperr.Error{Code: apperr.Invalid, Message: "bad time",
				Fields: map[string]string{"alerts[].startsAt": "times are RFC 3339, e.g. 2026-11-20T10:15:00Z"}}
		case errors.Is(err, io.EOF):
			return w, apperr.New(apperr.Invalid, "body is empty; Alertmanager's webhook JSON is required")
		default:
			return w, apperr.New(apperr.Invalid, "malformed JSON: %v", err)
		}
	}
	v := apperr.Validation{}
	if w.Version != "" && w.Version != "4" {
		v.Add("version", fmt.Sprintf("webhook version %q; version 4 is accepted", w.Version))
	}
	if len(w.Alerts) == 0 {
		v.Add("alerts", "required: at least one alert")
	}
	for i, a := range w.Alerts {
		f := fmt.Sprintf("alerts[%d]", i)
		if a.Status != Firing && a.Status != Resolved {
			v.Add(f+".status", fmt.Sprintf("%q; firing or resolved", a.Status))
		}
		if len(a.Labels) == 0 {
			v.Add(f+".labels", "required: the alert's labels")
		}
		if a.StartsAt.IsZero() {
			v.Add(f+".startsAt", "required: RFC 3339 time")
		}
		if a.Status == Resolved && a.EndsAt.IsZero() {
			v.Add(f+".endsAt", "required for a resolved alert")
		}
		if len(a.Fingerprint) > 200 {
			v.Add(f+".fingerprint", "longer than 200 characters")
		}
	}
	return w, v.Err()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AlertmanagerEvents turns a checked payload into events: each alert's
// module by the module map (label, value → module), else its "module"
// label; an alert with neither is refused (alerts[i].labels.module), so
// nothing is accepted under a module nobody watches. Repeats of an alert
// share its fingerprint (labels' hash when Alertmanager sent none).
func (s *Service) AlertmanagerEvents(ctx context.Context, w Webhook, received time.Time) ([]Event, error) {
	m, err := s.ModuleMap(ctx)
	if err != nil {
		return nil, err
	}
	v := apperr.Validation{}
	evs := make([]Event, 0, len(w.Alerts))
	for i, a := range w.Alerts {
		mod := m.module(a.Labels)
		if mod == "" {
			v.Add(fmt.Sprintf("alerts[%d].labels.%s", i, ModuleLabel), "no module: the alert has no "+ModuleLabel+
				" label and no entry of the module map matches its labels")
			continue
		}
		key := a.Fingerprint
		if key == "" {
			key = labelsKey(a.Labels)
		}
		at := a.StartsAt
		if a.Status == Resolved {
			at = a.EndsAt
		}
		detail, _ := json.Marshal(map[string]any{"labels": a.Labels, "annotations": a.Annotations, "startsAt": a.StartsAt,
			"endsAt": a.EndsAt, "generatorURL": a.GeneratorURL, "groupKey": w.GroupKey, "receiver": w.Receiver})
		evs = append(evs, Event{Source: SourceAlertmanager, Key: "am:" + key, Module: mod, Status: a.Status, At: at,
			ReceivedAt: received, Title: alertTitle(a), Detail: detail})
	}
	return evs, v.Err()
}

func alertTitle(a Alert) string {
	t := a.Labels["alertname"]
	for _, k := range []string{"summary", "description"} {
		if s := a.Annotations[k]; s != "" {
			if t != "" {
				t += " — "
			}
			return t + s
		}
	}
	return cmpOr(t, "alert")
}

// labelsKey is a stable key of a label set: the SHA-256 of its sorted
// name=value pairs.
func labelsKey(l map[string]string) string {
	keys := slices.Sorted(maps.Keys(l))
	h := sha256.New()
	for _, k := range keys {
		fmt.Fprintf(h, "%q=%q,", k, l[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}
