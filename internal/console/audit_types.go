package console

// auditObjectTypes are the object types the desk's audit records carry
// (the ObjectType of every audit.Entry in the code; TestAuditObjectTypes
// reads the source and fails on one missing here), for the audit page's
// filter: a list to pick from, not a word to guess. The most asked first.
var auditObjectTypes = []string{
	"appeal", "incident", "user",
	"analysis", "applied_plan", "audit_checkpoint", "calendar_override", "clock", "file", "intake", "intake_log_rule",
	"intake_probe", "invitation", "kb_article", "mail", "maintenance", "notification", "procedures", "profile",
	"register", "retention", "text_module", "throttle", "upload", "webhook",
}

// AuditTypes are the audit page's object types.
func (p *Page) AuditTypes() []string { return auditObjectTypes }
