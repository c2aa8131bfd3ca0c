package audit

// ComputeHash lets the external tests re-hash a tampered record the way an
// attacker who knows the layout would.
func ComputeHash(r Record) string { return r.computeHash() }
