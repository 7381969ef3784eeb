package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// viewerFastPath answers a `viewer` whose selection marshalUserFields
// writes (an integration's `{ viewer { id } }`) without gqlgen's field
// machinery: a field context, the context that carries it, a panic guard
// and three closures, about a third of a microsecond of the keyed
// request. The user's own fields already skip it; viewer is plain data
// read from the request's actor, so nothing below it needs the field
// context, and no field middleware is installed (httpapi.Server.graphql).
//
// It returns nil, and the generated path runs and answers as before, for
// anything else: no actor (the error needs the field's path), a selection
// the user's fast path leaves to the generated one, or a panic, which the
// generated path meets again under its own guard.
func (ec *executionContext) viewerFastPath(ctx context.Context, field graphql.CollectedField) (m graphql.Marshaler) {
	if !userFieldsFastPath {
		return nil
	}
	defer func() {
		if recover() != nil {
			m = nil
		}
	}()
	user, err := ec.Resolvers.Query().Viewer(ctx)
	if err != nil || user == nil {
		return nil
	}
	return ec.marshalUserFields(ctx, field.Selections, user)
}
