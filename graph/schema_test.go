package graph

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/keyfob/keyfob/model"
)

// The schema states Keyfob's limits where clients read them, in
// descriptions and defaults, but model holds them. These tests hold the two
// together: a limit changed in model fails here until the schema says so.

// Every paged field, today's and any added later, takes `first` from 1 to
// model.MaxPageSize, defaulting to model.DefaultPageSize.
func TestSchemaStatesThePageSize(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	paged := 0
	for _, def := range schema.Types {
		for _, field := range def.Fields {
			first := field.Arguments.ForName("first")
			if first == nil {
				continue
			}
			paged++
			coord := def.Name + "." + field.Name + "(first)"
			if first.DefaultValue == nil || first.DefaultValue.String() != strconv.Itoa(model.DefaultPageSize) {
				t.Errorf("%s defaults to %v, want %d", coord, first.DefaultValue, model.DefaultPageSize)
			}
			if want := fmt.Sprintf(": 1 to %d.", model.MaxPageSize); !strings.HasSuffix(first.Description, want) {
				t.Errorf("%s is described as %q, want it to end %q", coord, first.Description, want)
			}
		}
	}
	if paged == 0 {
		t.Fatal("no field takes `first`: has the argument been renamed?")
	}
}

func TestSchemaStatesTheLimits(t *testing.T) {
	name := fmt.Sprintf(", 1 to %d characters.", model.MaxNameLength)
	password := fmt.Sprintf(", %d to %d characters.", model.MinPasswordLength, model.MaxPasswordLength)
	note := fmt.Sprintf(", up to %d characters;", model.MaxNoteLength)
	cases := []struct{ typ, field, says string }{
		{"SignUpInput", "accountName", name},
		{"SignUpInput", "name", name},
		{"SignUpInput", "password", password},
		{"CreateUserInput", "name", name},
		{"CreateUserInput", "password", password},
		{"CreateApiKeyInput", "name", name},
		{"CreateApiKeyInput", "note", note},
		{"UpdateApiKeyInput", "name", name},
		{"UpdateApiKeyInput", "note", note},
		{"IntegrationUsage", "integration", fmt.Sprintf("beyond a key's first %d integrations.", model.MaxIntegrations)},
		{"AuditEvent", "userAgent", fmt.Sprintf("cut to %d bytes;", model.MaxUserAgentLength)},
	}
	schema := NewExecutableSchema(Config{}).Schema()
	for _, c := range cases {
		var field *ast.FieldDefinition
		if def := schema.Types[c.typ]; def != nil {
			field = def.Fields.ForName(c.field)
		}
		if field == nil {
			t.Errorf("%s.%s is not in the schema", c.typ, c.field)
			continue
		}
		if !strings.Contains(field.Description, c.says) {
			t.Errorf("%s.%s is described as %q, want it to say %q", c.typ, c.field, field.Description, c.says)
		}
	}
}
