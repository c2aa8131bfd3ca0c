package notify_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
	"tenderdesk/internal/notify/templates"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// An incident's notifications are the rows of its appeals' events, exact
// or versioned (a re-plan "…:v3"), and of its own: never those of an
// appeal whose number merely starts with the same digits.
func TestForEventsMatchesKeysNotPrefixes(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		now := newClock().Now()
		enqueue(t, db, now,
			email(events.Registered("2026-00012"), "a@x.kz", "ru", templates.Registered, "2026-00012"),
			email(events.LevelReplanned("2026-00012", 3), "a@x.kz", "ru", templates.Registered, "2026-00012"),
			email(events.AuthorityNotice(7), "auth@x.kz", "ru", templates.Registered, "7"),
			email(events.PlanExtensions(41), "bidder@x.kz", "ru", templates.Registered, "7"),
			email(events.Registered("2026-000123"), "b@x.kz", "ru", templates.Registered, "2026-000123"), // another appeal
			email(events.AuthorityNotice(70), "auth@x.kz", "ru", templates.Registered, "70"),             // another incident
		)
		rows, err := notify.ForEvents(context.Background(), db, events.OfIncident(7, []string{"2026-00012"}, []int64{41}), 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rows {
			got = append(got, r.Event)
		}
		want := []string{events.PlanExtensions(41), events.AuthorityNotice(7), events.LevelReplanned("2026-00012", 3), events.Registered("2026-00012")}
		if !slices.Equal(got, want) {
			t.Fatalf("rows of incident 7:\n got %v\nwant %v", got, want)
		}
	})
}

// A retry requeues only a failed email and is audited with who did it; a
// pending row is a conflict, an unknown id not found.
func TestRetryAudited(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		enqueue(t, db, c.Now(), email(events.Registered("2026-000001"), "a@x.kz", "ru", templates.Registered, "2026-000001"))
		id := list(t, db, "pending")[0].ID
		by := audit.Actor{Login: "admin", Role: "admin"}
		if err := notify.Retry(context.Background(), db, c.Now(), by, id); err == nil {
			t.Fatal("a pending row was retried")
		}
		if _, err := db.W.Exec("UPDATE outbox SET status = 'failed', attempts = 3, last_error = 'x' WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
		if err := notify.Retry(context.Background(), db, c.Now(), by, id+99); err == nil {
			t.Fatal("an unknown row was retried")
		}
		if err := notify.Retry(context.Background(), db, c.Now(), by, id); err != nil {
			t.Fatal(err)
		}
		r := list(t, db, "pending")
		if len(r) != 1 || r[0].Attempts != 0 || r[0].LastError != "" {
			t.Fatalf("after retry: %+v", r)
		}
		recs, err := audit.ForObject(context.Background(), db, "notification", strconv.FormatInt(id, 10))
		if err != nil || len(recs) != 1 || recs[0].Action != "notification.retry" || recs[0].Actor != "admin" {
			t.Fatalf("audit: %v %+v", err, recs)
		}
	})
}
