package procurement

// SetRangeSize lets tests run the ranged bulk statements over many small
// ranges; it returns the restore function.
func SetRangeSize(n int64) func() {
	old := rangeSize
	rangeSize = n
	return func() { rangeSize = old }
}

// SetHook sets the staged apply's test hook (SQLite, issue 15): called
// after each committed step; an error stops the apply there as a crash.
func SetHook(s *Service, fn func(phase string) error) { s.hook = fn }

// SetStagedSizes lets tests stage a plan in many transactions and enqueue
// its notices in many batches; it returns the restore function.
func SetStagedSizes(chunk, notices int) func() {
	oc, on := stagedChunk, noticeBatch
	stagedChunk, noticeBatch = chunk, notices
	return func() { stagedChunk, noticeBatch = oc, on }
}
