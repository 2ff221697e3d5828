package virtualservices

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/rs/zerolog"
)

// Reloader keeps a Server's snapshot in step with a config directory: on
// every change it loads the whole directory again and swaps the result in;
// a config with errors is logged and the current snapshot keeps serving.
type Reloader struct {
	Loader *Loader
	Server *Server
	Config Config
	// Dir is the directory on disk to watch (the one Config.FS opens).
	Dir string
	// Files, when set, are the only files whose changes reload: Dir is
	// then watched alone, not the tree below it (a supergraph file in a
	// home directory, say).
	Files []string
	// Debounce waits for a burst of changes (an editor's save, a
	// ConfigMap's symlink swap) to end before reloading.
	Debounce time.Duration
	Log      zerolog.Logger
	// OnReload, when set, is called after each reload attempt.
	OnReload func(err error)
}

// Reload loads the config now and swaps it in if it is valid. A config
// with errors while a previous one is served is logged; with none served
// yet, it is only returned, for the caller to report (a process that
// starts with a bad config has nothing to keep serving).
func (r *Reloader) Reload(ctx context.Context) error {
	start := time.Now()
	prev := r.Server.Snapshot()
	next, err := r.Loader.Load(ctx, r.Config, prev)
	if err != nil {
		if prev != nil {
			r.Log.Error().Str("dir", r.Dir).Int("errors", strings.Count(err.Error(), "\n")+1).
				Msg("config has errors; still serving the previous config:\n" + err.Error())
		}
		if r.OnReload != nil {
			r.OnReload(err)
		}
		return err
	}
	r.Server.Swap(next)
	ev := r.Log.Info().Str("version", next.Version).Strs("virtualServices", next.VirtualServices()).Dur("took", time.Since(start))
	if prev != nil {
		ev.Str("previous", prev.Version)
	}
	ev.Msg("config loaded")
	if r.OnReload != nil {
		r.OnReload(nil)
	}
	return nil
}

// Watch reloads on every change under Dir until ctx ends.
func (r *Reloader) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", r.Dir, err)
	}
	defer w.Close()
	var only map[string]bool
	if len(r.Files) > 0 {
		only = map[string]bool{}
		for _, f := range r.Files {
			abs, err := filepath.Abs(f)
			if err != nil {
				return fmt.Errorf("watch %s: %w", f, err)
			}
			only[abs] = true
			// The directory, not the file: editors and tools replace a file
			// by renaming another over it, which a watch on the file misses.
			if err := w.Add(filepath.Dir(abs)); err != nil {
				return fmt.Errorf("watch %s: %w", f, err)
			}
		}
	} else if err := addTree(w, r.Dir); err != nil {
		return fmt.Errorf("watch %s: %w", r.Dir, err)
	}
	debounce := r.Debounce
	if debounce <= 0 {
		debounce = 200 * time.Millisecond
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if only != nil {
				if abs, err := filepath.Abs(ev.Name); err != nil || !only[abs] {
					continue
				}
			} else if ev.Has(fsnotify.Create) {
				// New directories (a ConfigMap's next ..timestamp dir) are
				// watched too.
				if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
					_ = addTree(w, ev.Name)
				}
			}
			timer.Reset(debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			r.Log.Warn().Err(err).Str("dir", r.Dir).Msg("config watch error")
		case <-timer.C:
			if err := r.Reload(ctx); err != nil && r.Server.Snapshot() == nil {
				r.Log.Error().Str("dir", r.Dir).Int("errors", strings.Count(err.Error(), "\n")+1).
					Msg("config has errors; nothing is served:\n" + err.Error())
			}
		}
	}
}

func addTree(w *fsnotify.Watcher, root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // a directory that vanished mid-walk
		}
		if d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(p); err == nil && st.IsDir() {
				return w.Add(p)
			}
		}
		return nil
	})
}
