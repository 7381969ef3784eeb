// Package querylimit prices GraphQL documents before they run: how many
// fields a document selects once its fragments are expanded, whether it
// multiplies introspection, how deep it nests and what it costs to execute.
//
// Fragments may spread one another, so a document of a few hundred bytes
// can expand to billions of fields. Every walk here therefore visits each
// fragment once and remembers what it found, so that its work is linear in
// the document's length however the fragments spread.
package querylimit

import (
	"github.com/vektah/gqlparser/v2/ast"
)

// Shape is what a parsed, not yet validated, document asks for. It is
// measured before validation because validation itself follows spreads.
type Shape struct {
	// Fields counts field selections with every fragment spread expanded,
	// across all operations and unused fragments (validation walks them
	// all). It stops counting at the cap given to Measure plus one.
	Fields int
	// Aliases counts aliased fields as written: a fragment's once.
	Aliases int
	// Schemas counts __schema selections, expanded, capped like Fields.
	Schemas int
	// IntrospectionAliased is set when a __schema or __type field, or any
	// field under one, carries an alias: aliases are what repeat
	// introspection's work, since an unaliased field is merged, not repeated.
	IntrospectionAliased bool
	// Steps counts the selections the walk visited: at most the number of
	// selections and spreads written in the document.
	Steps int
}

// expansion is what one selection set expands to.
type expansion struct {
	fields  int
	schemas int
	aliased bool // an alias anywhere below, fragments included
}

type measurer struct {
	cap       int
	fragments map[string]*ast.FragmentDefinition
	memo      map[string]expansion
	active    map[string]bool // fragments being walked: a spread of one is a cycle
	walked    map[*ast.FragmentDefinition]bool
	shape     Shape
}

// Measure walks doc once. cap bounds the counts so that they cannot
// overflow: a count above cap is reported as cap+1.
func Measure(doc *ast.QueryDocument, cap int) Shape {
	m := &measurer{
		cap:       cap + 1,
		fragments: make(map[string]*ast.FragmentDefinition, len(doc.Fragments)),
		memo:      make(map[string]expansion, len(doc.Fragments)),
		active:    map[string]bool{},
		walked:    make(map[*ast.FragmentDefinition]bool, len(doc.Fragments)),
	}
	for _, f := range doc.Fragments {
		if _, dup := m.fragments[f.Name]; !dup {
			m.fragments[f.Name] = f
		}
	}
	var total expansion
	for _, op := range doc.Operations {
		total = m.add(total, m.set(op.SelectionSet))
	}
	// Fragments no operation spreads, and second definitions of a name, are
	// refused by validation, which walks them first.
	for _, f := range doc.Fragments {
		if !m.walked[f] {
			m.walked[f] = true
			total = m.add(total, m.set(f.SelectionSet))
		}
	}
	m.shape.Fields = total.fields
	m.shape.Schemas = total.schemas
	return m.shape
}

func (m *measurer) add(a, b expansion) expansion {
	return expansion{
		fields:  min(a.fields+b.fields, m.cap),
		schemas: min(a.schemas+b.schemas, m.cap),
		aliased: a.aliased || b.aliased,
	}
}

func (m *measurer) set(set ast.SelectionSet) expansion {
	var sum expansion
	for _, sel := range set {
		m.shape.Steps++
		switch s := sel.(type) {
		case *ast.Field:
			aliased := s.Alias != "" && s.Alias != s.Name
			if aliased {
				m.shape.Aliases++
			}
			child := m.set(s.SelectionSet)
			if (s.Name == "__schema" || s.Name == "__type") && (aliased || child.aliased) {
				m.shape.IntrospectionAliased = true
			}
			field := expansion{fields: 1, aliased: aliased}
			if s.Name == "__schema" {
				field.schemas = 1
			}
			sum = m.add(sum, m.add(field, child))
		case *ast.InlineFragment:
			sum = m.add(sum, m.set(s.SelectionSet))
		case *ast.FragmentSpread:
			sum = m.add(sum, m.fragment(s.Name))
		}
	}
	return sum
}

// fragment expands a fragment once; later spreads reuse the result. A
// spread of a fragment that is still being expanded is a cycle, which
// validation refuses by name; here it adds nothing.
func (m *measurer) fragment(name string) expansion {
	if e, ok := m.memo[name]; ok {
		return e
	}
	def := m.fragments[name]
	if def == nil || m.active[name] {
		return expansion{}
	}
	m.active[name] = true
	m.walked[def] = true
	e := m.set(def.SelectionSet)
	delete(m.active, name)
	m.memo[name] = e
	return e
}
