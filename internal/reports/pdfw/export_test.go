package pdfw

// Num and AppendNum are the coordinate formatters for the tests.
var (
	Num       = num
	AppendNum = appendNum
)
