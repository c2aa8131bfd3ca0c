package console

import "tenderdesk/internal/auth"

// routesB are the pages of pages_incident_b.go, pages_procedure.go,
// pages_calendar.go and pages_profiles.go.
func (c *Console) routesB() {
	c.route("POST /incidents/{id}/notifications/{nid}/retry", auth.PermNotificationRetry, c.incidentNotificationRetry)
	c.route("GET /incidents/{id}/notice", auth.PermIncidentRead, c.incidentNotice)
	c.route("GET /incidents/{id}/sign/document", auth.PermIncidentTransition, c.incidentSignDocument)
	c.route("POST /incidents/{id}/sign", auth.PermIncidentTransition, c.incidentSignUpload)
	c.route("GET /incidents/{id}/apply/progress", auth.PermImpactApply, c.incidentApplyProgress)
	c.route("POST /incidents/{id}/plans/{plan}/revert", auth.PermImpactRevert, c.incidentRevert)
	c.route("GET /procedures", auth.PermProcurementRead, c.procedures)
	c.route("GET /admin/calendar", auth.PermCalendarManage, c.calendarPage)
	c.route("POST /admin/calendar/overrides", auth.PermCalendarManage, c.calendarOverrideAdd)
	c.route("POST /admin/calendar/overrides/{oid}/delete", auth.PermCalendarManage, c.calendarOverrideDelete)
	c.route("GET /admin/profiles", auth.PermCalendarManage, c.profilesPage)
	c.route("POST /admin/profiles/{pid}/period", auth.PermCalendarManage, c.profilePeriod)
}
