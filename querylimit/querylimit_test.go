package querylimit

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/keyfob/keyfob/internal/hostile"
)

// keyfobSchema is Keyfob's own schema, read from graph/.
func keyfobSchema(t testing.TB) *ast.Schema {
	t.Helper()
	files, err := filepath.Glob("../graph/*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v %v", files, err)
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	schema, err := gqlparser.LoadSchema(sources...)
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

var (
	doubling             = hostile.Doubling
	aliasedIntrospection = hostile.AliasedIntrospection
)

func mustParse(t testing.TB, q string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: q})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestMeasureExpandsFragments(t *testing.T) {
	cases := []struct {
		name    string
		query   string
		fields  int
		aliases int
	}{
		{"plain", "{ viewer { id name } }", 3, 0},
		{"spread twice", "{ ...A ...A } fragment A on Query { viewer { id } }", 4, 0},
		{"doubling 7", doubling(7), 128, 0},
		{"doubling 40 is capped", doubling(40), 251, 0},
		{"aliases as written", "{ a: viewer { id } ...A ...A } fragment A on Query { b: viewer { id } }", 6, 2},
		{"alias equal to its name is none", "{ viewer: viewer { id } }", 2, 0},
		{"unused fragment counts", "{ viewer { id } } fragment U on Query { viewer { id name } }", 5, 0},
		{"duplicate fragment names both count", "{ ...A } fragment A on Query { viewer { id } } fragment A on Query { viewer { name } }", 4, 0},
		{"a cycle adds nothing", "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }", 2, 0},
		{"unknown fragment adds nothing", "{ ...Nope viewer { id } }", 2, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Measure(mustParse(t, c.query), 250)
			if s.Fields != c.fields || s.Aliases != c.aliases {
				t.Fatalf("fields %d aliases %d, want %d and %d", s.Fields, s.Aliases, c.fields, c.aliases)
			}
		})
	}
}

func TestMeasureIntrospection(t *testing.T) {
	cases := []struct {
		name    string
		query   string
		aliased bool
		schemas int
	}{
		{"plain", "{ __schema { types { name } } }", false, 1},
		{"aliased __schema", "{ s: __schema { queryType { name } } }", true, 1},
		{"alias under __schema", "{ __schema { t: types { name } } }", true, 1},
		{"alias under __type", "{ __type(name: \"Query\") { n: name } }", true, 0},
		{"alias in a fragment spread under __schema", "{ __schema { ...S } } fragment S on __Schema { t: types { name } }", true, 1},
		{"alias in a fragment first met elsewhere", "{ viewer { ...V } __schema { types { ...T } } } fragment V on User { ...T2 } fragment T2 on User { i: id } fragment T on __Type { ...X } fragment X on __Type { n: name }", true, 1},
		{"aliases outside introspection", "{ v: viewer { id } __schema { queryType { name } } }", false, 1},
		{"two __schema through a fragment", "{ __schema { queryType { name } } ...F } fragment F on Query { __schema { types { name } } }", false, 2},
		{"four levels of 14", aliasedIntrospection(14), true, 14},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Measure(mustParse(t, c.query), 250)
			if s.IntrospectionAliased != c.aliased || s.Schemas != c.schemas {
				t.Fatalf("aliased %v schemas %d, want %v and %d", s.IntrospectionAliased, s.Schemas, c.aliased, c.schemas)
			}
		})
	}
}

// The standard schema queries fit the default field limit of 250.
func TestStandardIntrospectionQueriesFit(t *testing.T) {
	files, _ := filepath.Glob("../testdata/introspection/*.graphql")
	if len(files) != 3 {
		t.Fatalf("want the three standard introspection queries, found %v", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := Measure(mustParse(t, string(b)), 250)
		t.Logf("%s: %d fields expanded", filepath.Base(f), s.Fields)
		if s.Fields > 250 || s.IntrospectionAliased || s.Schemas != 1 {
			t.Errorf("%s: %+v", filepath.Base(f), s)
		}
	}
}

func validated(t testing.TB, schema *ast.Schema, q string) *ast.OperationDefinition {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(schema, q)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", q, errs)
	}
	return doc.Operations[0]
}

func TestDepth(t *testing.T) {
	schema := keyfobSchema(t)
	cases := []struct {
		query string
		depth int
	}{
		{"{ __typename }", 0},
		{"{ viewer { id } }", 2},
		{"{ viewer { account { users { id } } } }", 4},
		{"{ ...A } fragment A on Query { viewer { ...U } } fragment U on User { account { id } }", 3},
		{"{ __schema { types { fields { type { ofType { name } } } } } }", 0},
		{doubling(30), 0},
	}
	for _, c := range cases {
		got, err := Depth(context.Background(), validated(t, schema, c.query))
		if err != nil || got != c.depth {
			t.Errorf("%.60s: depth %d %v, want %d", c.query, got, err, c.depth)
		}
	}
}

func TestWalksStopWhenTheRequestEnds(t *testing.T) {
	schema := keyfobSchema(t)
	op := validated(t, schema, doubling(12))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Depth(ctx, op); err == nil {
		t.Error("Depth went on after the context ended")
	}
	if _, err := Cost(ctx, op, nil, testPricing); err == nil {
		t.Error("Cost went on after the context ended")
	}
}

var testPricing = Pricing{PageArgument: "first", MaxPage: 100, CountField: "totalCount", CountCost: 100, Unpaged: map[string]int{"Account.users": 100},
	SizedBy: map[string]SizeArgument{"ApiKey.dailyUsage": {Name: "days", Max: 90}}}

func TestCost(t *testing.T) {
	schema := keyfobSchema(t)
	aliasedCounts := hostile.AliasedCounts
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		cost  int
	}{
		{"one field", "{ viewer { id } }", nil, 2},
		{"a page costs its size", "{ apiKeys(first: 10) { nodes { id name } } }", nil, 1 + 10*3},
		{"the default page is 50", "{ apiKeys { nodes { id } } }", nil, 1 + 50*2},
		{"a page size from a variable", "query($n: Int) { apiKeys(first: $n) { nodes { id } } }", map[string]any{"n": int64(20)}, 1 + 20*2},
		{"an out-of-range page costs one", "{ apiKeys(first: 1000) { nodes { id } } }", nil, 1 + 2},
		{"totalCount is outside the multiplier", "{ apiKeys(first: 100) { totalCount nodes { name } } }", nil, 1 + 100*2 + 100},
		{"totalCount through a fragment", "{ apiKeys(first: 100) { ...C } } fragment C on ApiKeyConnection { totalCount nodes { name } }", nil, 1 + 100*2 + 100},
		{"100 aliased totalCounts", aliasedCounts(100), nil, 100 * (1 + 100)},
		{"users are costed as 100", "{ viewer { account { users { id } } } }", nil, 1 + 1 + 1 + 100*1},
		{"dailyUsage costs its days", `{ apiKey(id: "k") { dailyUsage(days: 7) { date requestCount } } }`, nil, 1 + 1 + 7*2},
		{"dailyUsage's default is 30 days", `{ apiKey(id: "k") { dailyUsage { date } } }`, nil, 1 + 1 + 30*1},
		{"days from a variable", `query($d: Int) { apiKey(id: "k") { dailyUsage(days: $d) { date } } }`, map[string]any{"d": int64(90)}, 1 + 1 + 90*1},
		{"out-of-range days cost one", `{ apiKey(id: "k") { dailyUsage(days: 1000) { date } } }`, nil, 1 + 1 + 1},
		{"days inside a page", "{ apiKeys(first: 10) { nodes { dailyUsage(days: 3) { date } } } }", nil, 1 + 10*(1+1+3*1)},
		{"introspection is priced by its size instead", "{ __schema { types { name } } }", nil, 0},
		{"fragments priced once, counted each spread", "{ ...A ...B } fragment A on Query { viewer { id } } fragment B on Query { ...A }", nil, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Cost(context.Background(), validated(t, schema, c.query), c.vars, testPricing)
			if err != nil || got != c.cost {
				t.Fatalf("cost %d %v, want %d", got, err, c.cost)
			}
		})
	}
	t.Run("90 days of 100 keys exceed 5,000, 7 days of them do not", func(t *testing.T) {
		const page = `query($days: Int) { apiKeys(first: 100) { nodes { dailyUsage(days: $days) { date requestCount } } } }`
		ninety, _ := Cost(context.Background(), validated(t, schema, page), map[string]any{"days": int64(90)}, testPricing)
		seven, _ := Cost(context.Background(), validated(t, schema, page), map[string]any{"days": int64(7)}, testPricing)
		if ninety <= 5000 || seven > 5000 {
			t.Fatalf("90 days cost %d, 7 days %d", ninety, seven)
		}
	})
	t.Run("the review's 100 totalCounts exceed 5,000, one page of 100 does not", func(t *testing.T) {
		many, _ := Cost(context.Background(), validated(t, schema, aliasedCounts(100)), nil, testPricing)
		one, _ := Cost(context.Background(), validated(t, schema, "{ apiKeys(first: 100) { totalCount nodes { name } } }"), nil, testPricing)
		if many <= 5000 || one > 5000 {
			t.Fatalf("100 aliases cost %d, one page %d", many, one)
		}
	})
}

func TestRootFields(t *testing.T) {
	schema := keyfobSchema(t)
	cases := []struct {
		query string
		want  string
	}{
		{"{ viewer { id } }", "viewer"},
		{"{ a: viewer { id } b: viewer { name } }", "viewer"},
		{"query Squat { __typename }", "__typename"},
		{"{ ...A viewer { id } } fragment A on Query { apiKeys { totalCount } }", "apiKeys,viewer"},
		{"{ __schema { queryType { name } } }", "__schema"},
	}
	for _, c := range cases {
		if got := strings.Join(RootFields(validated(t, schema, c.query)), ","); got != c.want {
			t.Errorf("%s: %s, want %s", c.query, got, c.want)
		}
	}
}

// stepsPerByte bounds the work of the checks that run before execution: a
// selection takes at least one byte to write, and each walk visits a
// written selection at most once.
const stepsPerByte = 1

// FuzzQueryChecks runs every check that comes before execution over a
// document: the measure before validation, then (for documents that fit
// the limits and validate) depth, cost and the root fields. Each must
// visit at most stepsPerByte selections per byte of the document, and
// allocate within a bound linear in its length.
func FuzzQueryChecks(f *testing.F) {
	for _, seed := range []string{
		"{ viewer { id } }",
		doubling(10),
		doubling(40),
		aliasedIntrospection(3),
		"{ ...A ...B } fragment A on Query { viewer { id } } fragment B on Query { ...A ...A }",
		"{ apiKeys(first: 100) { totalCount nodes { name owner { account { users { id } } } } } }",
		"query($n: Int) { a: apiKeys(first: $n) { totalCount } b: apiKeys { ...C } } fragment C on ApiKeyConnection { totalCount nodes { id } }",
		"query($d: Int) { apiKeys { nodes { dailyUsage(days: $d) { date } d: dailyUsage { requestCount } } } }",
		"{ __schema { types { fields { type { ofType { ofType { name } } } } } } }",
		"{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
	} {
		f.Add(seed)
	}
	files, _ := filepath.Glob("../testdata/introspection/*.graphql")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(string(b))
	}
	schema := keyfobSchema(f)
	f.Fuzz(func(t *testing.T, q string) {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			return
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		shape := Measure(doc, 250)
		runtime.ReadMemStats(&after)
		if shape.Steps > stepsPerByte*len(q) {
			t.Fatalf("Measure visited %d selections for %d bytes", shape.Steps, len(q))
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(256*len(q)+64<<10) {
			t.Fatalf("Measure allocated %d bytes for %d bytes", grew, len(q))
		}
		if shape.Fields > 250 || shape.Aliases > 100 || shape.IntrospectionAliased || shape.Schemas > 1 {
			return // refused before validation
		}
		if errs := validator.Validate(schema, doc); len(errs) > 0 {
			return
		}
		for _, op := range doc.Operations {
			d := &depthWalk{walk: walk{ctx: context.Background()}}
			d.set(op.SelectionSet)
			c := &costWalk{walk: walk{ctx: context.Background()}, pricing: testPricing}
			c.set(op.SelectionSet)
			if d.steps > stepsPerByte*len(q) || c.steps > stepsPerByte*len(q) {
				t.Fatalf("depth visited %d, cost %d selections for %d bytes", d.steps, c.steps, len(q))
			}
			_ = RootFields(op)
		}
	})
}
