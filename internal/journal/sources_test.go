package journal_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tenderdesk/internal/apperr"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/store"
	"tenderdesk/internal/store/storetest"
)

// Q27: all four sources open an incident — a user's appeal, an operator
// specialist (Q28.2), monitoring and system logs; Q46: a written appeal
// forwarded by the authorized body. Machines and specialists name no
// organization or contact; a person's channel needs a contact (Q30).
func TestEverySourceOpensAnIncidentQ27Q46(t *testing.T) {
	storetest.Backends(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 19, 5, 0, 0, 0, time.UTC)
		s, _ := newService(t, db, now)
		received := now.Add(-time.Minute)
		seen := map[int64]bool{}
		for _, ch := range []string{"email", "monitoring", "system_log", "specialist", "authority"} {
			n := journal.NewAppeal{Channel: ch, ReceivedAt: &received, Description: "подписание не работает (" + ch + ")"}
			switch ch {
			case "email":
				n.ContactEmail, n.Organization, n.BIN = "user@example.kz", "ТОО «Сауда»", "123456789013"
			case "authority":
				n.ContactEmail, n.Organization = "office@authority.kz", "уполномоченный орган"
			}
			r, err := s.Register(ctx, operator, n, "")
			if err != nil {
				t.Fatalf("Q27/Q46 %s: %v", ch, err)
			}
			if r.IncidentID == 0 || seen[r.IncidentID] {
				t.Errorf("Q27 %s: incident %d, want a new one", ch, r.IncidentID)
			}
			seen[r.IncidentID] = true
			a, err := s.Appeal(ctx, r.Number)
			if err != nil || a.Channel != ch || a.IncidentID != r.IncidentID {
				t.Errorf("Q27 %s: read back %+v, %v", ch, a, err)
			}
		}
		for _, bad := range []journal.NewAppeal{
			{Channel: "pigeon", ReceivedAt: &received, Description: "x"},
			{Channel: "authority", ReceivedAt: &received, Description: "x"}, // Q46: the forwarded appeal's sender must be reachable
		} {
			_, err := s.Register(ctx, operator, bad, "")
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) == 0 {
				t.Errorf("%s appeal: %v, want a validation error naming the field", bad.Channel, err)
			}
		}
	})
}
