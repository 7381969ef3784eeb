package querylimit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// The walks below run on a validated operation, whose spreads point at
// their definitions and whose fragments form no cycle. Each remembers what
// every fragment came to, and gives up once the request's context is done.

// checkEvery is how many selections a walk visits between looks at its
// context.
const checkEvery = 64

type walk struct {
	ctx   context.Context
	steps int
	err   error
}

// step counts a visited selection and reports whether to go on.
func (w *walk) step() bool {
	if w.err != nil {
		return false
	}
	w.steps++
	if w.steps%checkEvery == 1 {
		w.err = w.ctx.Err()
	}
	return w.err == nil
}

func isIntrospection(name string) bool { return name == "__schema" || name == "__type" }

// Depth is how deeply the fields of op nest, not counting introspection
// fields or what is under them: GraphiQL's own schema query nests type
// references fifteen deep, and gqlparser's introspection-depth rule bounds
// that recursion already.
func Depth(ctx context.Context, op *ast.OperationDefinition) (int, error) {
	d := &depthWalk{walk: walk{ctx: ctx}}
	depth := d.set(op.SelectionSet)
	return depth, d.err
}

type depthWalk struct {
	walk
	memo map[string]int // a fragment's depth, relative to where it is spread; made at the first spread
}

func (d *depthWalk) set(set ast.SelectionSet) int {
	deepest := 0
	for _, sel := range set {
		if !d.step() {
			return deepest
		}
		switch s := sel.(type) {
		case *ast.Field:
			if !strings.HasPrefix(s.Name, "__") {
				deepest = max(deepest, 1+d.set(s.SelectionSet))
			}
		case *ast.InlineFragment:
			deepest = max(deepest, d.set(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			depth, ok := d.memo[s.Name]
			if !ok {
				depth = d.set(s.Definition.SelectionSet)
				if d.memo == nil {
					d.memo = map[string]int{}
				}
				d.memo[s.Name] = depth
			}
			deepest = max(deepest, depth)
		}
	}
	return deepest
}

// RootFields lists the distinct names of op's root fields, aliases
// resolved and fragments followed, in the order first met.
func RootFields(op *ast.OperationDefinition) []string {
	var names []string
	var spread map[string]bool // made at the first spread
	var collect func(ast.SelectionSet)
	collect = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				// A root selects a handful of names: a scan beats a map.
				if !slices.Contains(names, s.Name) {
					names = append(names, s.Name)
				}
			case *ast.InlineFragment:
				collect(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !spread[s.Name] {
					if spread == nil {
						spread = map[string]bool{}
					}
					spread[s.Name] = true
					collect(s.Definition.SelectionSet)
				}
			}
		}
	}
	collect(op.SelectionSet)
	return names
}

// SelectsIntrospection reports whether op asks for __schema or __type,
// which only the root type has.
func SelectsIntrospection(op *ast.OperationDefinition) bool {
	for _, name := range RootFields(op) {
		if isIntrospection(name) {
			return true
		}
	}
	return false
}

// Pricing is what fields cost beyond the default of one each.
type Pricing struct {
	// PageArgument names the argument that sets a list's page size.
	// A paged field costs its page size times what each item selects.
	PageArgument string
	// MaxPage is the largest page size a resolver accepts. A page size
	// outside 1..MaxPage is refused when the field resolves, so it costs as
	// one item.
	MaxPage int
	// CountField names a paged list's total count, and CountCost is what
	// each selection of it costs, outside the page-size multiplier: it is
	// one COUNT query however many items the page holds.
	CountField string
	CountCost  int
	// Unpaged prices lists that have no page size ("Type.field"): each
	// is costed as returning this many items.
	Unpaged map[string]int
	// SizedBy prices lists whose length an argument other than
	// PageArgument sets ("Type.field"): each costs one plus that
	// argument's value times what each item selects.
	SizedBy map[string]SizeArgument
}

// SizeArgument names the argument that sets a list's length, and the
// largest value a resolver accepts. A value outside 1..Max is refused when
// the field resolves, so it costs as one item.
type SizeArgument struct {
	Name string
	Max  int
}

// maxCost is where sums and products stop growing, far above any limit.
const maxCost = 1 << 40

func addCost(a, b int) int { return min(a+b, maxCost) }
func mulCost(n, c int) int {
	if c != 0 && n > maxCost/c {
		return maxCost
	}
	return min(n*c, maxCost)
}

// Cost prices op: a field costs one plus what it selects, a paged list its
// page size times that, and introspection nothing here (Measure prices it
// by its expanded size). vars are the operation's coerced variables.
func Cost(ctx context.Context, op *ast.OperationDefinition, vars map[string]any, p Pricing) (int, error) {
	c := &costWalk{walk: walk{ctx: ctx}, vars: vars, pricing: p}
	total := c.set(op.SelectionSet)
	return addCost(total.cost, mulCost(total.counts, 1)), c.err
}

// setCost is a selection set's cost, with its CountField selections apart:
// only a paged parent knows what they cost.
type setCost struct {
	cost   int
	counts int
}

type costWalk struct {
	walk
	vars    map[string]any
	pricing Pricing
	memo    map[string]setCost // made at the first spread
}

func (c *costWalk) set(set ast.SelectionSet) setCost {
	var sum setCost
	for _, sel := range set {
		if !c.step() {
			return sum
		}
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == c.pricing.CountField {
				sum.counts++
				continue
			}
			sum.cost = addCost(sum.cost, c.field(s))
		case *ast.InlineFragment:
			child := c.set(s.SelectionSet)
			sum = setCost{addCost(sum.cost, child.cost), addCost(sum.counts, child.counts)}
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			child, ok := c.memo[s.Name]
			if !ok {
				child = c.set(s.Definition.SelectionSet)
				if c.memo == nil {
					c.memo = map[string]setCost{}
				}
				c.memo[s.Name] = child
			}
			sum = setCost{addCost(sum.cost, child.cost), addCost(sum.counts, child.counts)}
		}
	}
	return sum
}

func (c *costWalk) field(f *ast.Field) int {
	if strings.HasPrefix(f.Name, "__") {
		if isIntrospection(f.Name) {
			return 0
		}
		return 1
	}
	child := c.set(f.SelectionSet)
	if f.Definition != nil && f.Definition.Arguments.ForName(c.pricing.PageArgument) != nil {
		items := c.size(f, SizeArgument{c.pricing.PageArgument, c.pricing.MaxPage})
		return addCost(1, addCost(mulCost(items, child.cost), mulCost(child.counts, c.pricing.CountCost)))
	}
	each := addCost(child.cost, child.counts)
	if f.ObjectDefinition != nil {
		coord := f.ObjectDefinition.Name + "." + f.Name
		if arg, ok := c.pricing.SizedBy[coord]; ok {
			return addCost(1, mulCost(c.size(f, arg), each))
		}
		if n, ok := c.pricing.Unpaged[coord]; ok {
			return addCost(1, mulCost(n, each))
		}
	}
	return addCost(1, each)
}

// size is how many items a field asks for with arg, from the argument, a
// variable or the schema's default.
func (c *costWalk) size(f *ast.Field, arg SizeArgument) int {
	var n int64
	switch v := f.ArgumentMap(c.vars)[arg.Name].(type) {
	case int:
		n = int64(v)
	case int32:
		n = int64(v)
	case int64:
		n = v
	case float64:
		n = int64(v)
	case json.Number:
		n, _ = v.Int64()
	}
	if n < 1 || n > int64(arg.Max) {
		return 1
	}
	return int(n)
}
