package api

// gqlgen finds the repository-root gqlgen.yml by walking up from this
// directory, and reads its paths from there.
//go:generate go tool gqlgen generate
