// Package openapi imports OpenAPI documents.
package openapi
