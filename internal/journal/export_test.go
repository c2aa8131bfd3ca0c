package journal

// SetFewMatchesCapSQLite changes how many full-text matches SQLite lists
// before it checks row by row (tests reach both ways); it returns the undo.
func SetFewMatchesCapSQLite(n int) func() {
	old := fewMatchesCapSQLite
	fewMatchesCapSQLite = n
	return func() { fewMatchesCapSQLite = old }
}

// SetCommonMinPostgres changes how many of the newest appeals a word must
// match to be checked row by row in PostgreSQL's urgent order; it returns
// the restore.
func SetCommonMinPostgres(n int) func() {
	old := commonMin
	commonMin = n
	return func() { commonMin = old }
}

// GroupStats are the writer's pipelined groups (PostgreSQL) and the groups
// it ran again appeal by appeal after a failure.
func GroupStats(s *Service) (pipelined, retried int64) {
	return s.batch.groups.Load(), s.batch.retries.Load()
}
