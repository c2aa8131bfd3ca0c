package publicnotice

import "context"

// ListMaintenance is every announcement, withdrawn ones too, newest first
// (the console's maintenance page).
func (s *Service) ListMaintenance(ctx context.Context) ([]Maintenance, error) {
	return s.maintenance(ctx, Queries["maintenance-all"], 500)
}
