package pii

// AfterRead makes j run f between each batch's read and its writes, so that a test can
// land a change exactly there.
func (j *Jobs) AfterRead(f func()) { j.afterRead = f }
