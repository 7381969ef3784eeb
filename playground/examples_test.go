package playground

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/keyfob/keyfob/graph"
)

// graphiqlTitle is how GraphiQL 4.1.2 names a tab after its document
// (fuzzyExtractOperationName in the bundle): the first name after
// query/mutation/subscription on a line that does not start with "#".
var graphiqlTitle = regexp.MustCompile(`(?m)^(?:[^#].*|)(?:query|subscription|mutation)\s+([a-zA-Z0-9_]+)`)

// Every example the page offers parses and validates against the schema
// the server runs, and so do its variables, so a schema change that breaks
// one fails here rather than in an admin's first minute.
func TestExamplesAreValidAgainstTheSchema(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	seen := map[string]string{}
	for _, ex := range Examples() {
		t.Run(ex.File, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, ex.Query)
			if len(errs) > 0 {
				t.Fatalf("%s does not validate against the schema: %v", ex.File, errs)
			}
			if len(doc.Operations) != 1 || doc.Operations[0].Name == "" {
				t.Fatalf("%s has %d operations; want one, named (GraphiQL titles the tab with its name)", ex.File, len(doc.Operations))
			}
			op := doc.Operations[0]
			if other, dup := seen[op.Name]; dup {
				t.Errorf("%s and %s both name their operation %s", other, ex.File, op.Name)
			}
			seen[op.Name] = ex.File
			if m := graphiqlTitle.FindStringSubmatch(ex.Query); m == nil || m[1] != op.Name {
				t.Errorf("GraphiQL would title %s's tab %v, not %s: a comment line looks like an operation", ex.File, m, op.Name)
			}

			vars := map[string]any{}
			if ex.Variables != "" {
				if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
					t.Fatalf("variables: %v", err)
				}
			}
			if _, err := validator.VariableValues(schema, op, vars); err != nil {
				t.Errorf("variables %s do not fit %s: %v", ex.Variables, op.Name, err)
			}
			for name := range vars {
				if op.VariableDefinitions.ForName(name) == nil {
					t.Errorf("variable $%s is given but %s does not declare it", name, op.Name)
				}
			}
			for _, v := range op.VariableDefinitions {
				if _, given := vars[v.Variable]; v.Type.NonNull && v.DefaultValue == nil && !given {
					t.Errorf("required $%s has no example value", v.Variable)
				}
			}
		})
	}
}

// The examples cover what issue 18 lists an admin needs: every one of
// these fields is the top-level field of some example.
func TestExamplesCoverAnAdminsOperations(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	top := map[string]*ast.OperationDefinition{}
	var all strings.Builder
	for _, ex := range Examples() {
		doc, errs := gqlparser.LoadQuery(schema, ex.Query)
		if len(errs) > 0 {
			continue // reported by TestExamplesAreValidAgainstTheSchema
		}
		for _, sel := range doc.Operations[0].SelectionSet {
			if f, ok := sel.(*ast.Field); ok {
				top[f.Name] = doc.Operations[0]
			}
		}
		all.WriteString(ex.Query)
	}
	for _, field := range []string{"viewer", "apiKeys", "createApiKey", "updateApiKey", "rollApiKey", "apiKey", "deleteApiKey", "setUserApiAccess", "auditEvents"} {
		if top[field] == nil {
			t.Errorf("no example runs %s", field)
		}
	}
	for _, field := range []string{"usageByIntegration", "dailyUsage", "secret"} {
		if !strings.Contains(all.String(), field) {
			t.Errorf("no example selects %s", field)
		}
	}
	for _, ex := range Examples() {
		if strings.Contains(ex.Query, "createApiKey(") || strings.Contains(ex.Query, "rollApiKey(") {
			if !strings.Contains(ex.Query, "shown this\n# once") && !strings.Contains(ex.Query, "shown this once") {
				t.Errorf("%s selects a secret without saying it is shown once", ex.File)
			}
		}
	}
}
