package files

// ContentPath is where the bytes of sha are kept, for retention (issue 12:
// a destroyed call recording's bytes are really deleted).
func (s *Service) ContentPath(sha string) string { return s.path(sha) }
