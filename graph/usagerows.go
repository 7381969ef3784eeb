package graph

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/keyfob/keyfob/model"
)

// usageRowsFastPath is off only in tests that compare the two paths.
var usageRowsFastPath = true

// marshalUsageRows writes a key's usage rows (usageByIntegration) straight
// into the response, the selection collected once for the whole list.
// gqlgen's generated path takes a field context, a closure and a resolver
// call per field of every row: at 100 keys × 20 integrations that was
// Keyfob's largest cost, for four plain values a row. The rows are plain
// data (no resolver, no error, nothing null), so the answer is the same
// byte for byte, which a test holds against the generated path.
//
// It returns nil, and the generated path runs, for anything it does not
// know: a field added to IntegrationUsage, a deferred fragment, a nil row.
func (ec *executionContext) marshalUsageRows(_ context.Context, sel ast.SelectionSet, rows []*model.IntegrationUsage) graphql.Marshaler {
	if !usageRowsFastPath {
		return nil
	}
	fields, ok := ec.plainFields(sel, integrationUsageImplementors, "__typename", "integration", "firstUsedAt", "lastUsedAt", "requestCount")
	if !ok {
		return nil
	}
	for _, r := range rows {
		if r == nil {
			return nil
		}
	}
	// The members' names, quoted once for the whole list.
	names := make([][]byte, len(fields))
	for j, f := range fields {
		var name bytes.Buffer
		if j > 0 {
			name.WriteByte(',')
		}
		graphql.MarshalString(f.Alias).MarshalGQL(&name)
		name.WriteByte(':')
		names[j] = name.Bytes()
	}
	return graphql.WriterFunc(func(w io.Writer) {
		// The answer's own buffer takes the rows directly: a buffer per
		// key, and its copy, were a third of this function's cost.
		buf, direct := w.(*bytes.Buffer)
		if !direct {
			buf = &bytes.Buffer{}
		}
		buf.WriteByte('[')
		for i, r := range rows {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteByte('{')
			for j, f := range fields {
				buf.Write(names[j])
				switch f.Name {
				case "__typename":
					buf.WriteString(`"IntegrationUsage"`)
				case "integration":
					writeString(buf, r.Integration)
				case "firstUsedAt":
					appendDateTime(buf, r.FirstUsedAt)
				case "lastUsedAt":
					appendDateTime(buf, r.LastUsedAt)
				case "requestCount":
					buf.Write(strconv.AppendInt(buf.AvailableBuffer(), int64(r.RequestCount), 10))
				}
			}
			buf.WriteByte('}')
		}
		buf.WriteByte(']')
		if !direct {
			_, _ = w.Write(buf.Bytes())
		}
	})
}

// writeString writes s as graphql.MarshalString does; a string without
// anything to escape, as integration names are, is copied as it is.
func writeString(buf *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' || c == '"' {
			graphql.MarshalString(s).MarshalGQL(buf)
			return
		}
	}
	buf.WriteByte('"')
	buf.WriteString(s)
	buf.WriteByte('"')
}

// appendDateTime writes t as model.MarshalDateTime does, without its
// allocations: an RFC 3339 string in UTC.
func appendDateTime(buf *bytes.Buffer, t time.Time) {
	b := buf.AvailableBuffer()
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	buf.Write(b)
}

// plainFields collects sel's fields for a fast path that writes only the
// named ones; ok is false when sel asks for any other, or defers one, and
// the generated path must run instead.
func (ec *executionContext) plainFields(sel ast.SelectionSet, implementors []string, known ...string) (fields []graphql.CollectedField, ok bool) {
	fields = graphql.CollectFields(ec.OperationContext, sel, implementors)
	for _, f := range fields {
		if !slices.Contains(known, f.Name) || len(f.Deferrables) > 0 {
			return nil, false
		}
	}
	return fields, true
}
