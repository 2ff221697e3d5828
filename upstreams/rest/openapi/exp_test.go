package openapi

import (
	"context"
	"fmt"
	"os"
	"testing"
)

func TestExp(t *testing.T) {
	d, err := Load(context.Background(), os.Getenv("SPEC"), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Import(d, Options{Upstream: "lib"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(r.SDL)
	for _, w := range r.Warnings {
		fmt.Println(w)
	}
	fmt.Println(r.UpstreamYAML("lib"))
	fmt.Println(r.Operations, r.Skipped)
}
