// Package auth holds users, roles and permissions, password hashing, browser
// sessions and API tokens. Permissions are data: a route names the
// permission it needs and Allowed decides, in one place.
package auth

import "slices"

type Role string

const (
	RoleApplicant  Role = "applicant"  // potential supplier / supplier / applicant (portal user)
	RoleCustomer   Role = "customer"   // customer / organizer (portal user)
	RoleOperator   Role = "operator"   // contact-center operator
	RoleSpecialist Role = "specialist" // operator specialist (Q28.2)
	RoleAdmin      Role = "admin"      // platform administrator
	RoleAuthority  Role = "authority"  // authorized body
	RoleAuditor    Role = "auditor"    // read-only
	RolePortal     Role = "portal"     // the portal's integration account: imports procedures, reads the change feed (issue 4)
)

var Roles = []Role{RoleApplicant, RoleCustomer, RoleOperator, RoleSpecialist, RoleAdmin, RoleAuthority, RoleAuditor, RolePortal}

func ValidRole(r string) bool { return slices.Contains(Roles, Role(r)) }

// PortalUser reports whether r is an outside user who sees only their own
// organization's appeals.
func (r Role) PortalUser() bool { return r == RoleApplicant || r == RoleCustomer }

type Permission string

const (
	PermAppealCreate       Permission = "appeal:create"
	PermAppealRead         Permission = "appeal:read" // portal users: own organization only
	PermJournalRead        Permission = "journal:read"
	PermIncidentRead       Permission = "incident:read"
	PermIncidentTransition Permission = "incident:transition"
	PermIncidentMerge      Permission = "incident:merge"
	PermUserManage         Permission = "user:manage"
	PermAuditRead          Permission = "audit:read"
	PermClockExtend        Permission = "clock:extend"    // record a term extension agreed with the authorized body (Q38)
	PermCalendarManage     Permission = "calendar:manage" // calendar overrides: days and dated hours (Q28)
)

// Issue 4: the procurement mirror and extension plans.
const (
	PermProcurementImport Permission = "procurement:import"  // upsert procedures (NDJSON)
	PermProcurementRead   Permission = "procurement:read"    // procedures and the change feed
	PermProcurementHook   Permission = "procurement:webhook" // configure the change-feed webhook
	PermImpactApply       Permission = "impact:apply"        // preview and apply an extension plan
	PermImpactRevert      Permission = "impact:revert"       // revert an applied plan, with a reason
)

// grants is the role → permission matrix, the one literal (docs/roles.md
// renders it). Portal users (applicant, customer) see their own
// organization only; the authority and the auditor only read.
// Issue 10: the console's text modules (reply templates), kept by
// administrators; every staff member who replies uses them.
const PermTextModuleManage Permission = "textmodule:manage"

// Issue 11: the knowledge base of answers agreed with the authorized body
// (Q21): staff draft and edit, the authority approves or withdraws.
const (
	PermKBDraft   Permission = "kb:draft"
	PermKBApprove Permission = "kb:approve"
)

// Issue 13: a written appeal the authorized body forwards (Q46) is
// registered by its own users on the authority channel, or by staff.
const PermAuthorityLetter Permission = "authority:letter"

// Issue 13: reports for the authorized body (the Journal extract, the
// compliance with the terms): read by administrators, the authority and
// the auditor.
const PermReportRead Permission = "report:read"

var grants = map[Role][]Permission{
	RoleApplicant: {PermAppealCreate, PermAppealRead, PermJournalRead},
	RoleCustomer:  {PermAppealCreate, PermAppealRead, PermJournalRead},
	RoleOperator: {PermAppealCreate, PermAppealRead, PermJournalRead, PermIncidentRead, PermIncidentTransition, PermIncidentMerge, PermClockExtend,
		PermProcurementRead, PermImpactApply, PermNotificationRead, PermNotificationRetry, PermMaintenanceManage, PermStatusPublish, PermKBDraft, PermAuthorityLetter},
	RoleSpecialist: {PermAppealCreate, PermAppealRead, PermJournalRead, PermIncidentRead, PermIncidentTransition, PermIncidentMerge, PermClockExtend,
		PermProcurementRead, PermImpactApply, PermMaintenanceManage, PermStatusPublish, PermKBDraft, PermAuthorityLetter},
	RoleAdmin: {PermAppealCreate, PermAppealRead, PermJournalRead, PermIncidentRead, PermIncidentTransition, PermIncidentMerge, PermUserManage,
		PermAuditRead, PermClockExtend, PermCalendarManage, PermProcurementImport, PermProcurementRead, PermProcurementHook, PermImpactApply,
		PermImpactRevert, PermNotificationRead, PermNotificationRetry, PermMaintenanceManage, PermStatusPublish, PermKBDraft, PermAuthorityLetter, PermReportRead,
		PermTextModuleManage, PermIntakeAlert, PermIntakeManage},
	RoleAuthority: {PermAppealRead, PermJournalRead, PermIncidentRead, PermAuditRead, PermProcurementRead, PermKBDraft, PermKBApprove, PermAuthorityLetter, PermReportRead},
	RoleAuditor:   {PermAppealRead, PermJournalRead, PermIncidentRead, PermAuditRead, PermProcurementRead, PermReportRead},
	RolePortal:    {PermProcurementImport, PermProcurementRead, PermIntakeAlert},
}

// Allowed is the one permission check.
func Allowed(r Role, p Permission) bool { return slices.Contains(grants[r], p) }

// Grants returns a copy of the matrix, for documentation and the API.
func Grants() map[Role][]Permission {
	out := make(map[Role][]Permission, len(grants))
	for r, ps := range grants {
		out[r] = slices.Clone(ps)
	}
	return out
}

// Issue 5: the outbox as staff see it (failed notifications, retry). Every
// signed-in user reads their own cabinet (E11) without a permission.
const (
	PermNotificationRead  Permission = "notification:read"  // list outbox rows (GET /api/v1/notifications)
	PermNotificationRetry Permission = "notification:retry" // requeue a failed notification
)

// Issue 5: the public failure notice and maintenance announcements (Q18,
// Q36.1, Q37.3, Q41): staff who handle failures publish them.
const (
	PermMaintenanceManage Permission = "maintenance:manage" // announce / withdraw maintenance works
	PermStatusPublish     Permission = "status:publish"     // edit or hide the public text of a failure notice
)

// Issue 14: monitoring and system-log intake (Q27). The portal's
// integration account (its Alertmanager, its log shipper) and the
// administrator send alerts; the administrator configures probes, the
// module map and log rules.
const (
	PermIntakeAlert  Permission = "intake:alert"  // POST Alertmanager webhooks and JSON log lines
	PermIntakeManage Permission = "intake:manage" // probes, module map, log rules
)

// E8Rights are the rights E8 gives an account of each category at its
// registration (004 p.8; the desk reads it for every profile). Applicants
// (applicant, customer) form and file appeals with their documents and use
// their cabinet: create, read their organization's appeals (uploads are
// under appeal:read). Authorized persons — the operator's staff who
// consider appeals — review them (the appeal and its incident), approve or
// reject them (the incident's transitions: confirm, refute, fix), send
// notifications to the applicants (a staff reply or an information
// request needs incident:transition, internal/convo) and monitor (the
// queue and the Journal). The matrix above must give each role at least
// these, and an applicant none of the authorized persons' (TestE8RightsOfEachCategory).
var E8Rights = map[Role][]Permission{
	RoleApplicant:  {PermAppealCreate, PermAppealRead},
	RoleCustomer:   {PermAppealCreate, PermAppealRead},
	RoleOperator:   {PermAppealRead, PermIncidentRead, PermIncidentTransition, PermJournalRead},
	RoleSpecialist: {PermAppealRead, PermIncidentRead, PermIncidentTransition, PermJournalRead},
}
