package procurement

// SetRangeSize lets tests run the ranged bulk statements over many small
// ranges; it returns the restore function.
func SetRangeSize(n int64) func() {
	old := rangeSize
	rangeSize = n
	return func() { rangeSize = old }
}
