package graph

import (
	"bytes"
	"context"
	"io"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/keyfob/keyfob/model"
)

// userFieldsFastPath is off only in tests that compare the two paths.
var userFieldsFastPath = true

// marshalUserFields writes a user whose selection asks only for its plain
// fields (id, name, email, role, __typename) straight into the response.
// gqlgen's generated path takes a field set, a deferred group, and a field
// context, a closure and a marshaller per field: for an integration's
// `{ viewer { id } }` about a dozen allocations, the largest share of what
// the keyed request cost gqlgen beyond `{ __typename }`. These fields are
// plain data (no resolver, no error, never null), so the answer is the
// same byte for byte, which a test holds against the generated path.
//
// It returns nil, and the generated path runs, for anything else: a
// resolver field (apiAccess, account), signedUpAt, a field added to User,
// a deferred fragment.
func (ec *executionContext) marshalUserFields(_ context.Context, sel ast.SelectionSet, u *model.User) graphql.Marshaler {
	if !userFieldsFastPath {
		return nil
	}
	fields, ok := ec.plainFields(sel, userImplementors, "__typename", "id", "name", "email", "role")
	if !ok {
		return nil
	}
	return graphql.WriterFunc(func(w io.Writer) {
		buf, direct := w.(*bytes.Buffer)
		if !direct {
			buf = &bytes.Buffer{}
		}
		buf.WriteByte('{')
		for j, f := range fields {
			// As gqlgen's field set: an alias answers once.
			if slices.ContainsFunc(fields[:j], func(g graphql.CollectedField) bool { return g.Alias == f.Alias }) {
				continue
			}
			if j > 0 {
				buf.WriteByte(',')
			}
			writeString(buf, f.Alias)
			buf.WriteByte(':')
			switch f.Name {
			case "__typename":
				buf.WriteString(`"User"`)
			case "id":
				writeString(buf, u.ID)
			case "name":
				writeString(buf, u.Name)
			case "email":
				writeString(buf, u.Email)
			case "role":
				u.Role.MarshalGQL(buf)
			}
		}
		buf.WriteByte('}')
		if !direct {
			_, _ = w.Write(buf.Bytes())
		}
	})
}
