package model

import (
	"context"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// DateTime is the GraphQL DateTime scalar: RFC 3339 in UTC.
type DateTime = time.Time

// MarshalDateTime writes t as an RFC 3339 string in UTC. It takes a context
// only so that gqlgen hands one to UnmarshalDateTime.
func MarshalDateTime(t time.Time) graphql.ContextMarshaler {
	return graphql.ContextWriterFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
		return err
	})
}

// UnmarshalDateTime reads an RFC 3339 string. Anything else is
// BAD_USER_INPUT on the input field that held it.
func UnmarshalDateTime(ctx context.Context, v any) (time.Time, error) {
	s, ok := v.(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if !ok || err != nil {
		field := ""
		if p := graphql.GetPathContext(ctx); p != nil && p.Field != nil {
			field = *p.Field
		}
		return time.Time{}, InvalidInput(field, "a DateTime must be an RFC 3339 string with a time zone, such as 2030-01-01T00:00:00Z")
	}
	return t.UTC(), nil
}
