//go:build tools

package tools

import (
	_ "github.com/99designs/gqlgen"
	_ "github.com/vektah/gqlparser/v2"
	_ "github.com/hashicorp/golang-lru/v2"
	_ "github.com/rs/zerolog"
	_ "github.com/spf13/cobra"
	_ "go.yaml.in/yaml/v3"
	_ "github.com/fsnotify/fsnotify"
	_ "github.com/valyala/fastjson"
	_ "github.com/chromedp/chromedp"
	_ "go.uber.org/goleak"
	_ "golang.org/x/sync/errgroup"
	_ "github.com/prometheus/client_golang/prometheus"
)
