// Package graph holds Keyfob's GraphQL schema and the executor gqlgen
// generates from it. Run `go generate ./...` at the top of the repository
// after changing the schema.
package graph
