package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/keyfob/keyfob/db"
	"github.com/keyfob/keyfob/model"
)

// requireSecretSelected refuses a mutation that shows a key's secret once
// when its selection leaves the secret out: a secret nobody read can never
// be recovered. It runs before the mutation changes anything.
func requireSecretSelected(ctx context.Context) error {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == "secret" {
			return nil
		}
	}
	return model.InvalidInput("secret", "select secret in the payload: it is shown only in this answer and can never be recovered")
}

// newAPIKey is the key createApiKey's input asks for.
func newAPIKey(in model.CreateAPIKeyInput) (db.NewAPIKey, error) {
	if in.Access == nil {
		return db.NewAPIKey{}, nullRefused("access")
	}
	spec := db.NewAPIKey{Name: in.Name, Access: *in.Access, ExpiresAt: in.ExpiresAt}
	if in.Note != nil {
		spec.Note = *in.Note
	}
	return spec, nil
}

// keyChange is the change updateApiKey's input asks for. A field left out
// changes nothing. A null note removes the note, like an empty one; a null
// name or access is refused, since a key always has both.
func keyChange(in model.UpdateAPIKeyInput) (model.KeyChange, error) {
	name, err := valueIfGiven("name", in.Name)
	if err != nil {
		return model.KeyChange{}, err
	}
	access, err := valueIfGiven("access", in.Access)
	if err != nil {
		return model.KeyChange{}, err
	}
	note, given := in.Note.ValueOK()
	if given && note == nil {
		note = new(string)
	}
	return model.KeyChange{Name: name, Note: note, Access: access}, nil
}

// valueIfGiven is an input field that may be left out but not null: nil
// when left out, refused when null.
func valueIfGiven[T any](field string, v graphql.Omittable[*T]) (*T, error) {
	value, given := v.ValueOK()
	if given && value == nil {
		return nil, nullRefused(field)
	}
	return value, nil
}

func nullRefused(field string) error {
	return model.InvalidInput(field, "%s cannot be null: leave it out instead", field)
}
