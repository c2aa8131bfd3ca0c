package convo

import (
	"context"
	"time"

	"tenderdesk/internal/apperr"
)

// TrackFrom is Track for the public /track page: the same per-address
// limit as GET /api/v1/track (R7), so the page is no way around it.
func (s *Service) TrackFrom(ctx context.Context, addr, number, code string) (Tracked, error) {
	if ok, wait := s.track.allow(addr); !ok {
		return Tracked{}, apperr.New(apperr.TooMany, "too many attempts from your address; try again in %d s", int64(wait/time.Second)+1)
	}
	return s.Track(ctx, number, code)
}
