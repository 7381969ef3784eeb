package loader

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/keyfob/keyfob/model"
)

// PrimeKeys queues, in one batch per loader, the look-ups that the
// requested fields of a page of keys will make. Without it a long page
// could straddle a loader's wait and split into several queries. What the
// page's statement already read with the keys is not looked up again.
func PrimeKeys(ctx context.Context, keys []*model.APIKey, fields map[string]bool) {
	if len(keys) == 0 {
		return
	}
	related := keys[0].Related
	owner := fields["owner"] && (related == nil || related.Owner == nil)
	usage := (fields["usageByIntegration"] || fields["lastUsedAt"]) && (related == nil || related.Usage == nil)
	sessions, daily := fields["activeMobileSessions"], fields["dailyUsage"]
	if !owner && !usage && !sessions && !daily {
		return
	}
	l := For(ctx)
	ids := make([]string, len(keys))
	owners := make([]string, len(keys))
	for i, k := range keys {
		ids[i], owners[i] = k.ID, k.UserID
	}
	if owner {
		l.User.LoadAllThunk(ctx, owners)
	}
	if usage {
		l.Usage.LoadAllThunk(ctx, ids)
	}
	if sessions {
		l.ActiveMobileSessions.LoadAllThunk(ctx, ids)
	}
	if daily {
		l.DailyUsage.LoadAllThunk(ctx, ids)
	}
}

// Owner is the key's owner: as read with the key, or else loaded.
func Owner(ctx context.Context, key *model.APIKey) (*model.User, error) {
	if key.Related != nil && key.Related.Owner != nil {
		return key.Related.Owner, nil
	}
	return For(ctx).User.Load(ctx, key.UserID)
}

// KeyUsage is the key's usage rows, most recently used first: as read with
// the key, or else loaded.
func KeyUsage(ctx context.Context, key *model.APIKey) ([]*model.IntegrationUsage, error) {
	if key.Related != nil && key.Related.Usage != nil {
		return key.Related.Usage, nil
	}
	return For(ctx).Usage.Load(ctx, key.ID)
}

// KeyPageFields says what the key list's statement should read with each
// key: what the apiKeys field selects below nodes or edges.node.
func KeyPageFields(ctx context.Context) model.KeyPageFields {
	var f model.KeyPageFields
	add := func(fields map[string]bool) {
		f.Owner = f.Owner || fields["owner"]
		f.Usage = f.Usage || fields["usageByIntegration"] || fields["lastUsedAt"]
	}
	for name, fields := range selectedBelow(ctx) {
		if name == "nodes" || name == "edges.node" {
			add(fields)
		}
	}
	return f
}

// selectedBelow names, for each field selected below the resolving field
// and each node of an edge, the fields selected below it.
func selectedBelow(ctx context.Context) map[string]map[string]bool {
	opCtx := graphql.GetOperationContext(ctx)
	out := map[string]map[string]bool{}
	names := func(sel []graphql.CollectedField) map[string]bool {
		m := map[string]bool{}
		for _, g := range sel {
			m[g.Name] = true
		}
		return m
	}
	for _, f := range graphql.CollectFields(opCtx, graphql.GetFieldContext(ctx).Field.Selections, nil) {
		children := graphql.CollectFields(opCtx, f.Selections, nil)
		out[f.Name] = names(children)
		if f.Name == "edges" {
			for _, c := range children {
				if c.Name == "node" {
					out["edges.node"] = names(graphql.CollectFields(opCtx, c.Selections, nil))
				}
			}
		}
	}
	return out
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
