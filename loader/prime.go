package loader

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/keyfob/keyfob/model"
)

// PrimeKeys queues, in one batch per loader, the look-ups that the
// requested fields of a page of keys will make. Without it a long page
// could straddle a loader's wait and split into several queries.
func (l *Loaders) PrimeKeys(ctx context.Context, keys []*model.APIKey, fields map[string]bool) {
	if len(keys) == 0 {
		return
	}
	ids := make([]string, len(keys))
	owners := make([]string, len(keys))
	for i, k := range keys {
		ids[i], owners[i] = k.ID, k.UserID
	}
	if fields["owner"] {
		l.User.LoadAllThunk(ctx, owners)
	}
	if fields["usageByIntegration"] || fields["lastUsedAt"] {
		l.Usage.LoadAllThunk(ctx, ids)
	}
	if fields["activeMobileSessions"] {
		l.ActiveMobileSessions.LoadAllThunk(ctx, ids)
	}
	if fields["dailyUsage"] {
		l.DailyUsage.LoadAllThunk(ctx, ids)
	}
}

// RequestedFields names the fields selected below the resolving field, or
// below its child named through (e.g. "node" for an edge).
func RequestedFields(ctx context.Context, through string) map[string]bool {
	opCtx := graphql.GetOperationContext(ctx)
	selections := graphql.GetFieldContext(ctx).Field.Selections
	out := map[string]bool{}
	for _, f := range graphql.CollectFields(opCtx, selections, nil) {
		if through == "" {
			out[f.Name] = true
		} else if f.Name == through {
			for _, g := range graphql.CollectFields(opCtx, f.Selections, nil) {
				out[g.Name] = true
			}
		}
	}
	return out
}
