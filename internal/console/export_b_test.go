package console

// HoldApplies stops every apply after its first procedure until release
// is called (tests look at the progress of a running apply).
func (c *Console) HoldApplies() (release func()) {
	ch := make(chan struct{})
	c.jobs.hold.Store(&ch)
	return func() { close(ch) }
}
