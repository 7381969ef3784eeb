package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalInOrder marshals a list's elements one after another on the
// caller's goroutine, with gqlgen's own per-element field context and
// panic handling. gqlgen marshals every list of objects with a goroutine
// per element, so that elements whose fields wait on a loader wait
// together. The lists that internal/inorderlists points here never wait:
// their elements' data was read with the list, or their loaders were
// primed for the whole page, so a goroutine per element (its start, its
// stack growth, its scheduling) was most of what a long key list cost.
// The signature is graphql.MarshalSliceConcurrently's.
func marshalInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		index := i
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &index})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}
