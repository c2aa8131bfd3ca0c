package console

import (
	"net/http"

	"tenderdesk/internal/auth"
)

// routesTable declares every console page with its permission, as the API
// declares its routes (internal/web).
func (c *Console) routesTable() {
	c.mux.HandleFunc("GET /assets/", c.assets.serve)
	c.route("GET /login", "", c.loginForm)
	c.route("POST /login", "", c.loginPost)
	c.route("POST /logout", "", c.logout)
	c.route("GET /account", "*", c.account)
	c.route("POST /account/password", "*", c.accountPassword)
	c.route("POST /account/language", "*", c.accountLanguage)

	c.route("GET /{$}", "*", c.home)
	c.route("GET /events", auth.PermIncidentRead, c.events)
	c.route("POST /presence", auth.PermIncidentRead, c.postPresence)
	c.route("GET /appeals/new", auth.PermAppealCreate, c.appealForm)
	c.route("POST /appeals/new", auth.PermAppealCreate, c.appealPost)
	c.route("GET /appeals/suggest", auth.PermAppealCreate, c.appealSuggest)
	c.route("GET /appeals/{number}", auth.PermAppealRead, c.appealPage)
	c.route("POST /appeals/{number}/merge", auth.PermIncidentMerge, c.appealMerge)
	c.route("GET /incidents/{id}", auth.PermIncidentRead, c.incidentPage)
	c.route("POST /incidents/{id}/act/{action}", auth.PermIncidentTransition, c.incidentAct)
	c.route("POST /incidents/{id}/assign", auth.PermIncidentTransition, c.incidentAssign)
	c.route("POST /incidents/{id}/plan", auth.PermImpactApply, c.incidentPlan)
	c.route("POST /incidents/{id}/apply", auth.PermImpactApply, c.incidentApply)
	c.routesB()
	c.route("GET /admin/users", auth.PermUserManage, c.users)
	c.route("POST /admin/users", auth.PermUserManage, c.userCreate)
	c.route("POST /admin/users/{login}/{action}", auth.PermUserManage, c.userAction)
	c.route("GET /admin/notifications", auth.PermNotificationRead, c.notifications)
	c.route("POST /admin/notifications/{id}/retry", auth.PermNotificationRetry, c.notificationRetry)
	c.route("GET /audit", auth.PermAuditRead, c.auditPage)
	c.route("POST /audit/verify", auth.PermAuditRead, c.auditVerify)
	c.route("GET /maintenance", auth.PermMaintenanceManage, c.maintenance)
	c.route("POST /maintenance", auth.PermMaintenanceManage, c.maintenanceAnnounce)
	c.route("POST /maintenance/{id}/withdraw", auth.PermMaintenanceManage, c.maintenanceWithdraw)
	c.route("GET /intake", auth.PermIncidentRead, c.intake)
	c.route("POST /intake/probes", auth.PermIntakeManage, c.intakeProbeAdd)
	c.route("POST /intake/probes/{id}/check", auth.PermIntakeManage, c.intakeCheck)
	c.route("POST /intake/rules", auth.PermIntakeManage, c.intakeRuleAdd)
	c.cabinetRoutes()
	c.analysisRoutes()
	c.reports13Routes()
	c.reportsRoutes()
	c.sign12Routes()
	c.registerRoutes()
	c.sig12Routes()
	c.textModRoutes()
	c.threadRoutes()
	c.triggerRoutes()
	c.forceMajeureRoutes()
	c.ext14bRoutes()
	c.ext14cRoutes()
	c.route("/", "", func(q *req) error {
		c.fail(q, http.StatusNotFound, q.L.T("err.notfound"))
		return nil
	})
}
