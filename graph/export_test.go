package graph

// SetUsageRowsFastPath turns marshalUsageRows on or off, so that a test
// can compare its answer with the generated path's.
func SetUsageRowsFastPath(on bool) { usageRowsFastPath = on }
