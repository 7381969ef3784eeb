package graph

// SetUsageRowsFastPath turns marshalUsageRows on or off, so that a test
// can compare its answer with the generated path's.
func SetUsageRowsFastPath(on bool) { usageRowsFastPath = on }

// SetUserFieldsFastPath turns marshalUserFields on or off, so that a test
// can compare its answer with the generated path's.
func SetUserFieldsFastPath(on bool) { userFieldsFastPath = on }
