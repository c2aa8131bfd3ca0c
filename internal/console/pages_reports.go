package console

// CauseLabel names a Q26 cause code in lang (the reports' "kind of
// failure" column uses the console's words); an unknown code is itself.
func CauseLabel(lang, code string) string {
	if s, ok := labels[lang]["cause."+code]; ok {
		return s
	}
	return code
}
