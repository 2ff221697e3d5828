package catalog

// gqlgen finds the repository-root gqlgen.yml by walking up from this directory.
//go:generate go tool gqlgen generate
