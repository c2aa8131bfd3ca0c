package registers

import (
	"context"
	"strconv"

	"tenderdesk/internal/audit"
	"tenderdesk/internal/journal"
	"tenderdesk/internal/signature"
)

// SignatureHook enforces the signature policy on the Journal's decisions
// inside the transition's transaction: an incident is closed only when its
// decision (confirm or refute) and the closing itself are signed, where the
// policy requires it (issue 12; Q4, E10, E12).
type SignatureHook struct{ Sig *signature.Service }

func (SignatureHook) AppealRegistered(context.Context, journal.HookTx, journal.Appeal, bool) error {
	return nil
}

func (h SignatureHook) IncidentChanged(ctx context.Context, tx journal.HookTx, action journal.Action, _ audit.Actor, before, _ journal.Incident) error {
	if action != journal.ActClose {
		return nil
	}
	id := strconv.FormatInt(before.ID, 10)
	decision := signature.ActIncidentConfirm
	if before.State == journal.Refuted {
		decision = signature.ActIncidentRefute
	}
	if err := h.Sig.Need(ctx, tx, decision, "incident", id); err != nil {
		return err
	}
	return h.Sig.Need(ctx, tx, signature.ActIncidentClose, "incident", id)
}
