package graph

// SetUsageRowsFastPath turns marshalUsageRows on or off, so that a test
// can compare its answer with the generated path's.
func SetUsageRowsFastPath(on bool) { usageRowsFastPath = on }

// SetUserFieldsFastPath turns marshalUserFields on or off, so that a test
// can compare its answer with the generated path's.
func SetUserFieldsFastPath(on bool) { userFieldsFastPath = on }

// SetKeyFieldsInLine turns the in-line resolution of an ApiKey's fields
// read with it on or off, so that a test can compare the answers.
func SetKeyFieldsInLine(on bool) { keyFieldsInLine = on }
