package console

// ApplyJobs counts the applies this process has run or runs.
func (c *Console) ApplyJobs() int {
	c.jobs.mu.Lock()
	defer c.jobs.mu.Unlock()
	return len(c.jobs.m)
}
