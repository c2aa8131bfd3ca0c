package auth_test

import (
	"testing"

	"tenderdesk/internal/auth"
)

// E8: registration gives an account the rights of its category.
// Applicants file and follow their appeals and never hold the authorized
// persons' rights (considering, approving, notifying others, monitoring
// the Journal); authorized persons — the operator's staff — hold all four.
func TestE8RightsOfEachCategory(t *testing.T) {
	for role, want := range auth.E8Rights {
		for _, p := range want {
			if !auth.Allowed(role, p) {
				t.Errorf("E8: %s lacks %s", role, p)
			}
		}
	}
	staffOnly := []auth.Permission{auth.PermIncidentRead, auth.PermIncidentTransition, auth.PermIncidentMerge}
	for _, role := range []auth.Role{auth.RoleApplicant, auth.RoleCustomer} {
		for _, p := range staffOnly {
			if auth.Allowed(role, p) {
				t.Errorf("E8: an applicant (%s) holds the authorized persons' %s", role, p)
			}
		}
		if !role.PortalUser() {
			t.Errorf("E8: %s reads only its own organization's appeals (PortalUser)", role)
		}
	}
	for _, role := range []auth.Role{auth.RoleApplicant, auth.RoleCustomer, auth.RoleOperator, auth.RoleSpecialist} {
		if len(auth.E8Rights[role]) == 0 {
			t.Errorf("E8: no rights listed for %s", role)
		}
	}
}
