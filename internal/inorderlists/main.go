// Command inorderlists points some list marshallers of gqlgen's generated
// executor at graph.marshalInOrder, which marshals a list's elements in
// order on one goroutine instead of a goroutine each (see graph/inorder.go
// for why), puts hand-written fast paths in front of one of them and of
// one object's marshaller and of one root field's resolver, and resolves
// two root fields in line.
// `go generate ./...` runs it right after gqlgen.
//
// Only lists whose elements never wait on a loader belong here: such a
// wait, made in turn by every element, would cost a loader's wait per
// element instead of one per list.
//
// Usage: go run ./internal/inorderlists graph/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"
)

// inOrder names the GraphQL list types marshalled in order:
//   - IntegrationUsage and DailyUsage: plain data, no resolver;
//   - ApiKey and ApiKeyEdge: listed only by apiKeys, whose statement reads
//     each key's owner and usage with it, and whose nodes and edges
//     resolvers prime the remaining loaders for the whole page.
var inOrder = []string{"IntegrationUsage", "DailyUsage", "ApiKey", "ApiKeyEdge"}

// fastPaths are hand-written marshallers tried before the generated path,
// which runs when they return nil (see graph/usagerows.go).
var fastPaths = map[string]string{
	"IntegrationUsage": "\tif m := ec.marshalUsageRows(ctx, sel, v); m != nil {\n\t\treturn m\n\t}\n",
}

// objectFastPaths are hand-written marshallers tried before the generated
// marshaller of one non-null object, after its nil check, which runs
// when they return nil (see graph/userfields.go).
var objectFastPaths = map[string]string{
	"User": "\tif m := ec.marshalUserFields(ctx, sel, v); m != nil {\n\t\treturn m\n\t}\n",
}

// inlineRootFields are Query fields resolved in line, as gqlgen resolves
// __schema, rather than deferred to run concurrently: their resolvers
// read the request's actor and do no I/O, so the concurrent path (a
// closure, a deferred task and a panic guard more than the field's own)
// bought nothing and cost an integration's { viewer { id } } about a
// third of a microsecond. The field's own panic guard stays.
var inlineRootFields = []string{"viewer", "account"}

// inlineWhenReady names object fields resolved in line, rather than on a
// goroutine of their own, when a hand-written check says their data was
// read with the object, so their resolvers cannot wait: by type, the
// fields and the check (see graph/keyfields.go).
var inlineWhenReady = map[string]struct {
	fields []string
	ready  string
}{
	"ApiKey": {[]string{"owner", "usageByIntegration", "lastUsedAt"}, "keyFieldReadWithKey(obj, field.Name)"},
}

// rootFieldFastPaths are hand-written resolvers tried first in a root
// field's generated resolver, which runs when they return nil (see
// graph/viewerfield.go).
var rootFieldFastPaths = map[string]string{
	"viewer": "\tif m := ec.viewerFastPath(ctx, field); m != nil {\n\t\treturn m\n\t}\n",
}

const (
	concurrent = "graphql.MarshalSliceConcurrently("
	sequential = "marshalInOrder("
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: inorderlists graph/generated.go")
		os.Exit(2)
	}
	if err := rewrite(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "inorderlists:", err)
		os.Exit(1)
	}
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for _, typ := range inOrder {
		// gqlgen names a non-null list of non-null pointers' marshaller
		// marshalN<Type>2ᚕᚖ<package path>ᚐ<Go type>ᚄ.
		header := []byte("func (ec *executionContext) marshalN" + typ + "2ᚕᚖ")
		start := bytes.Index(src, header)
		if start < 0 {
			return fmt.Errorf("%s: no list marshaller for %s; update inOrder", path, typ)
		}
		end := bytes.Index(src[start:], []byte("\n}\n"))
		if end < 0 {
			return fmt.Errorf("%s: the list marshaller for %s does not end", path, typ)
		}
		body := src[start : start+end]
		if !bytes.Contains(body, []byte(concurrent)) && !bytes.Contains(body, []byte(sequential)) {
			return fmt.Errorf("%s: the list marshaller for %s calls neither %s nor %s", path, typ, concurrent, sequential)
		}
		rewritten := bytes.Replace(body, []byte(concurrent), []byte(sequential), 1)
		if fast, ok := fastPaths[typ]; ok && !bytes.Contains(rewritten, []byte(fast)) {
			// The fast path goes first in the body: after the opening line.
			open := bytes.IndexByte(rewritten, '\n') + 1
			rewritten = append(rewritten[:open:open], append([]byte(fast), rewritten[open:]...)...)
		}
		src = append(src[:start:start], append(rewritten, src[start+end:]...)...)
	}
	for typ, fast := range objectFastPaths {
		// gqlgen names a non-null pointer's marshaller
		// marshalN<Type>2ᚖ<package path>ᚐ<Go type>, and ends it by
		// calling the object's marshaller.
		header := []byte("func (ec *executionContext) marshalN" + typ + "2ᚖ")
		start := bytes.Index(src, header)
		if start < 0 {
			return fmt.Errorf("%s: no marshaller for a non-null %s; update objectFastPaths", path, typ)
		}
		end := bytes.Index(src[start:], []byte("\n}\n"))
		call := []byte("\treturn ec._" + typ + "(ctx, sel, v)")
		at := -1
		if end >= 0 {
			at = bytes.Index(src[start:start+end], call)
		}
		if at < 0 {
			return fmt.Errorf("%s: the marshaller of a non-null %s does not end by calling ec._%s", path, typ, typ)
		}
		if bytes.Contains(src[start:start+end], []byte(fast)) {
			continue
		}
		at += start
		src = append(src[:at:at], append([]byte(fast), src[at:]...)...)
	}
	for _, field := range inlineRootFields {
		deferred := []byte("\t\tcase \"" + field + "\":\n" +
			"\t\t\tout.ResolveRootConcurrently(innerCtx, ec.OperationContext, i,\n" +
			"\t\t\t\ttrue, true,\n" +
			"\t\t\t\tfunc(ctx context.Context) graphql.Marshaler {\n" +
			"\t\t\t\t\treturn ec._Query_" + field + "(ctx, field)\n" +
			"\t\t\t\t})\n")
		inline := []byte("\t\tcase \"" + field + "\":\n" +
			"\t\t\tout.Values[i] = ec.OperationContext.RootResolverMiddleware(innerCtx, func(ctx context.Context) (res graphql.Marshaler) {\n" +
			"\t\t\t\treturn ec._Query_" + field + "(ctx, field)\n" +
			"\t\t\t})\n" +
			"\t\t\tif out.Values[i] == graphql.Null {\n" +
			"\t\t\t\tatomic.AddUint32(&out.Invalids, 1)\n" +
			"\t\t\t}\n")
		if bytes.Contains(src, inline) {
			continue
		}
		if bytes.Count(src, deferred) != 1 {
			return fmt.Errorf("%s: Query.%s is not resolved concurrently as expected (non-null, with a resolver); update inlineRootFields", path, field)
		}
		src = bytes.Replace(src, deferred, inline, 1)
	}
	for typ, inline := range inlineWhenReady {
		for _, field := range inline.fields {
			for _, nonNull := range []string{"true", "false"} {
				concurrent := "\t\tcase \"" + field + "\":\n" +
					"\t\t\tout.ResolveConcurrently(ec.OperationContext, &deferred, i,\n" +
					"\t\t\t\ttrue, " + nonNull + ",\n" +
					"\t\t\t\tfunc(ctx context.Context) graphql.Marshaler {\n" +
					"\t\t\t\t\treturn ec._" + typ + "_" + field + "(ctx, field, obj)\n" +
					"\t\t\t\t})\n"
				// As ResolveConcurrently counts a result that makes the
				// object invalid: Null for a non-null field, RequiredNull
				// for a nullable one. The field's own ResolveField guards
				// against panics, as it does on the concurrent path.
				invalid := map[string]string{"true": "graphql.Null", "false": "graphql.RequiredNull"}[nonNull]
				inlined := "\t\tcase \"" + field + "\":\n" +
					"\t\t\tif !field.IsDeferred() && " + inline.ready + " {\n" +
					"\t\t\t\tout.Values[i] = ec._" + typ + "_" + field + "(ctx, field, obj)\n" +
					"\t\t\t\tif out.Values[i] == " + invalid + " {\n" +
					"\t\t\t\t\tatomic.AddUint32(&out.Invalids, 1)\n" +
					"\t\t\t\t}\n" +
					"\t\t\t\tbreak\n" +
					"\t\t\t}\n" +
					concurrent[len("\t\tcase \""+field+"\":\n"):]
				src = bytes.Replace(src, []byte(concurrent), []byte(inlined), 1)
			}
			if !bytes.Contains(src, []byte("\t\tcase \""+field+"\":\n\t\t\tif !field.IsDeferred() && "+inline.ready)) {
				return fmt.Errorf("%s: %s.%s is not resolved concurrently as expected; update inlineWhenReady", path, typ, field)
			}
		}
	}
	for field, fast := range rootFieldFastPaths {
		header := []byte("func (ec *executionContext) _Query_" + field + "(ctx context.Context, field graphql.CollectedField) (ret graphql.Marshaler) {\n")
		start := bytes.Index(src, header)
		if start < 0 {
			return fmt.Errorf("%s: no resolver for Query.%s; update rootFieldFastPaths", path, field)
		}
		open := start + len(header)
		if bytes.HasPrefix(src[open:], []byte(fast)) {
			continue
		}
		src = append(src[:open:open], append([]byte(fast), src[open:]...)...)
	}
	return os.WriteFile(path, src, 0o644)
}
