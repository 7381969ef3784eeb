package main

//go:generate go tool gqlgen generate
//go:generate go run ./internal/inorderlists graph/generated.go
