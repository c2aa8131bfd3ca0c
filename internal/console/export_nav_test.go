package console

// AuditObjectTypes is the audit page's list, for the test that checks it
// against the source.
var AuditObjectTypes = auditObjectTypes
