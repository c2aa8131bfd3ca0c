package journal

// SetFewMatchesCapSQLite changes how many full-text matches SQLite lists
// before it checks row by row (tests reach both ways); it returns the undo.
func SetFewMatchesCapSQLite(n int) func() {
	old := fewMatchesCapSQLite
	fewMatchesCapSQLite = n
	return func() { fewMatchesCapSQLite = old }
}
