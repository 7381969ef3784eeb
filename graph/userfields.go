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

// userPlainFields are the fields of User that marshalUserFields writes.
var userPlainFields = []string{"__typename", "id", "name", "email", "role"}

// onlyFields reports whether every selection in sel is a field among
// known, with no directive: then sel is what collecting it would give.
func onlyFields(sel ast.SelectionSet, known []string) bool {
	for _, s := range sel {
		f, ok := s.(*ast.Field)
		if !ok || len(f.Directives) > 0 || !slices.Contains(known, f.Name) {
			return false
		}
	}
	return true
}

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
	// A selection of plain fields alone, as an integration's `{ viewer {
	// id } }` is, is its own collection: its fields in order, with no
	// fragment or directive to resolve. Collecting it cost three
	// allocations.
	fields := sel
	if !onlyFields(sel, userPlainFields) {
		collected, ok := ec.plainFields(sel, userImplementors, userPlainFields...)
		if !ok {
			return nil
		}
		fields = make(ast.SelectionSet, len(collected))
		for j, f := range collected {
			fields[j] = f.Field
		}
	}
	return graphql.WriterFunc(func(w io.Writer) {
		buf, direct := w.(*bytes.Buffer)
		if !direct {
			buf = &bytes.Buffer{}
		}
		buf.WriteByte('{')
		for j, s := range fields {
			f := s.(*ast.Field)
			// As gqlgen's field set: an alias answers once.
			if slices.ContainsFunc(fields[:j], func(g ast.Selection) bool { return g.(*ast.Field).Alias == f.Alias }) {
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
