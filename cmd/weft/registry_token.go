package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// newRegistryToken groups the token commands. They work on the store
// itself, as an administrator on the database's machine would: that is how
// the first token comes to be.
func newRegistryToken() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke the registry's tokens, directly in its store",
	}
	cmd.AddCommand(newTokenCreate(), newTokenList(), newTokenRevoke())
	return cmd
}

// localActor names who ran an administrator's command in the audit log:
// the operating system's user on this machine.
func localActor() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "local:" + u.Username
	}
	return "local"
}

// withStore opens the store --store names, runs fn and closes it.
func withStore(cmd *cobra.Command, dsn string, fn func(ctx context.Context, st *store.Store) error) error {
	if dsn == "" {
		return usagef("--store is required: " + storeFlagUsage)
	}
	ctx := cmd.Context()
	st, err := openRegistryStore(ctx, dsn, zerolog.Nop())
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(ctx, st)
}

// parseScope reads ACTION:SUBJECT.
func parseScope(s string) (store.Scope, error) {
	action, subject, ok := strings.Cut(s, ":")
	if !ok || action == "" || subject == "" {
		return store.Scope{}, usagef("--scope %q: want ACTION:SUBJECT, such as push:Upstream/catalog or read:*", s)
	}
	return store.Scope{Action: store.Action(action), Subject: subject}, nil
}

func newTokenCreate() *cobra.Command {
	var (
		dsn    string
		name   string
		scopes []string
	)
	cmd := &cobra.Command{
		Use:   "create --store DSN --name NAME --scope ACTION:SUBJECT...",
		Short: "Create a token and print its secret, once",
		Long: `create stores a new token and prints its secret on stdout, once: the store keeps
only its hash. A scope is an action (read, check, push, admin; each allows
those before it) on a subject (Upstream/catalog, VirtualService/shop) or on
every subject (*). The creation is audited, by this machine's user.`,
		Args: positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return usagef("--name is required")
			}
			if len(scopes) == 0 {
				return usagef("give at least one --scope ACTION:SUBJECT")
			}
			spec := store.TokenSpec{Name: name}
			for _, s := range scopes {
				sc, err := parseScope(s)
				if err != nil {
					return err
				}
				spec.Scopes = append(spec.Scopes, sc)
			}
			return withStore(cmd, dsn, func(ctx context.Context, st *store.Store) error {
				secret, err := st.CreateToken(ctx, spec)
				if err != nil {
					return err
				}
				if err := st.Audit(ctx, store.AuditEntry{Actor: localActor(), Action: registry.AuditTokenCreate, Allowed: true,
					Reason: "token " + name + ": " + strings.Join(scopes, ", ")}); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), secret)
				fmt.Fprintf(cmd.ErrOrStderr(), "token %s created; keep its secret now: it is not shown again\n", name)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dsn, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+" (default $WEFT_STORE)")
	cmd.Flags().StringVar(&name, "name", "", "the token's name, unique among live tokens; the audit log names it")
	cmd.Flags().StringArrayVar(&scopes, "scope", nil, "ACTION:SUBJECT the token allows (repeatable): read, check, push or admin on a subject or *")
	return cmd
}

func newTokenList() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "list --store DSN",
		Short: "List the tokens, revoked ones included",
		Args:  positional(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd, dsn, func(ctx context.Context, st *store.Store) error {
				toks, err := st.ListTokens(ctx)
				if err != nil {
					return err
				}
				var b bytes.Buffer
				w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "NAME\tSCOPES\tCREATED\tREVOKED")
				for _, t := range toks {
					sc := make([]string, len(t.Scopes))
					for i, s := range t.Scopes {
						sc[i] = string(s.Action) + ":" + s.Subject
					}
					revoked := "-"
					if !t.Revoked.IsZero() {
						revoked = t.Revoked.Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", t.Name, strings.Join(sc, ","), t.Created.Format(time.RFC3339), revoked)
				}
				if err := w.Flush(); err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b.Bytes())
				return err
			})
		},
	}
	cmd.Flags().StringVar(&dsn, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+" (default $WEFT_STORE)")
	return cmd
}

func newTokenRevoke() *cobra.Command {
	var dsn string
	cmd := &cobra.Command{
		Use:   "revoke --store DSN NAME",
		Short: "Revoke the live token NAME",
		Args:  positional("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd, dsn, func(ctx context.Context, st *store.Store) error {
				if err := st.RevokeToken(ctx, args[0]); err != nil {
					return err
				}
				if err := st.Audit(ctx, store.AuditEntry{Actor: localActor(), Action: registry.AuditTokenRevoke, Allowed: true, Reason: "token " + args[0]}); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "token %s revoked\n", args[0])
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dsn, "store", os.Getenv("WEFT_STORE"), storeFlagUsage+" (default $WEFT_STORE)")
	return cmd
}
