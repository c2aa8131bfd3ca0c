package events_test

import (
	"testing"

	"tenderdesk/internal/notify"
	"tenderdesk/internal/notify/events"
)

// A staff reply's files go with the mail in order while they fit the
// outbox's limits together (15 MB, 20 files); a file over the limit, one
// that no longer fits, and the 21st are linked instead (an empty file still fits).
func TestSplitReplyFiles(t *testing.T) {
	const mb = 1 << 20
	names := func(fs []events.ReplyFile) (s string) {
		for _, f := range fs {
			s += f.Name + ","
		}
		return s
	}
	a, l := events.SplitReplyFiles([]events.ReplyFile{{1, "a", 10 * mb}, {2, "big", notify.MaxAttachmentSize + 1}, {3, "b", 5 * mb},
		{4, "c", 1}, {5, "empty", 0}})
	if names(a) != "a,b,empty," || names(l) != "big,c," {
		t.Errorf("attached %s linked %s", names(a), names(l))
	}
	var many []events.ReplyFile
	for i := range notify.MaxAttachments + 1 {
		many = append(many, events.ReplyFile{ID: int64(i + 1), Name: "f", Size: 1})
	}
	if a, l := events.SplitReplyFiles(many); len(a) != notify.MaxAttachments || len(l) != 1 {
		t.Errorf("%d files: %d attached, %d linked", len(many), len(a), len(l))
	}
	if a, l := events.SplitReplyFiles([]events.ReplyFile{{1, "exact", notify.MaxAttachmentSize}}); len(a) != 1 || len(l) != 0 {
		t.Errorf("a file of exactly the limit is attached: %v %v", a, l)
	}
}
