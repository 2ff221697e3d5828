package main

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/weft-gateway/weft/registry"
	"github.com/weft-gateway/weft/registry/store"
)

// The client verbs: weft push, rollback, history, diff and approve, each
// one call to a running registry's API (weft registry serve).

// versionFields asks for what the verbs print of a version.
const versionFields = `subject number author message time active`

// apiVersion is a version as the API answers it.
type apiVersion struct {
	Subject string
	Number  int
	Author  string
	Message string
	Time    time.Time
	Active  bool
}

// callContext bounds one command's calls.
func callContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), clientTimeout)
}

func newPush() *cobra.Command {
	var (
		reg           registryFlags
		change        changeFlags
		message       string
		author        string
		allowBreaking bool
	)
	cmd := &cobra.Command{
		Use:   "push --registry URL (--upstream NAME FILE | --subject S --file PATH=FILE...) [-m MESSAGE]",
		Short: "Check a change with the registry and, if it breaks nothing unapproved, make it live",
		Long: `push sends a change to a running registry (weft registry serve): the new
source file of an upstream (--upstream NAME FILE: the upstream's file named
like FILE, or its only one), or files of a subject (--subject Upstream/NAME or
VirtualService/NAME with --file PATH=FILE, PATH relative to the subject; the
subject's other files stay unless --replace). The registry rebuilds every
VirtualService with it and compares their schemas, as weft check does; when
the config builds and no breaking change is left unapproved (weft approve) or
--allow-breaking is given, it stores the change as the subject's next version
and makes it active, and the gateways following the store serve it.

It prints the check's report and the version made active, and exits 1 when
the registry refuses the change, with the reason on stderr.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := change.input(args)
			if err != nil {
				return err
			}
			c, err := reg.client()
			if err != nil {
				return err
			}
			in["message"], in["author"], in["allowBreaking"] = message, author, allowBreaking
			ctx, cancel := callContext(cmd)
			defer cancel()
			var out struct {
				Push struct {
					Revision  int64
					Unchanged bool
					Version   apiVersion
					Report    apiReport
				}
			}
			err = c.do(ctx, `mutation($in: PushInput!) { push(input: $in) { revision unchanged version { `+versionFields+` } report { `+reportFields+` } } }`,
				map[string]any{"in": in}, &out)
			if rep, refused := breakingRefusal(err); rep != nil {
				if werr := rep.WriteText(cmd.OutOrStdout()); werr != nil {
					return werr
				}
				return refused
			}
			if err != nil {
				return err
			}
			p := out.Push
			if err := p.Report.report().WriteText(cmd.OutOrStdout()); err != nil {
				return err
			}
			if p.Unchanged {
				fmt.Fprintf(cmd.OutOrStdout(), "unchanged: %s version %d is active (revision %d)\n", p.Version.Subject, p.Version.Number, p.Revision)
			} else {
				fmt.Fprintf(cmd.OutOrStdout(), "pushed %s version %d (revision %d)\n", p.Version.Subject, p.Version.Number, p.Revision)
			}
			return nil
		},
	}
	reg.register(cmd)
	change.register(cmd)
	cmd.Flags().StringVarP(&message, "message", "m", "", "what the change is, for the history")
	cmd.Flags().StringVar(&author, "author", "", "who wrote the change (default: the token's name)")
	cmd.Flags().BoolVar(&allowBreaking, "allow-breaking", false, "push even with breaking changes no approval lets through (the audit log says so)")
	return cmd
}

func newRollback() *cobra.Command {
	var (
		reg     registryFlags
		to      int
		message string
	)
	cmd := &cobra.Command{
		Use:   "rollback SUBJECT [--to N]",
		Short: "Make an earlier version of a subject active again (by default the one before the active one)",
		Long: `rollback asks the registry to make version --to of SUBJECT active again, or
the version before the active one. The registry builds the config with it
first and refuses a version that does not build; it prints what the rollback
changes in the VirtualServices' schemas.`,
		Args: positional("SUBJECT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("to") && to < 1 {
				return usagef("--to %d: versions count from 1", to)
			}
			c, err := reg.client()
			if err != nil {
				return err
			}
			vars := map[string]any{"subject": args[0], "message": message}
			if to > 0 {
				vars["to"] = to
			}
			ctx, cancel := callContext(cmd)
			defer cancel()
			var out struct {
				Rollback struct {
					Revision int64
					Version  apiVersion
					Report   apiReport
				}
			}
			if err := c.do(ctx, `mutation($subject: String!, $to: Int, $message: String) { rollback(subject: $subject, to: $to, message: $message) {
				revision version { `+versionFields+` } report { `+reportFields+` } } }`, vars, &out); err != nil {
				return err
			}
			rb := out.Rollback
			if err := rb.Report.report().WriteText(cmd.OutOrStdout()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "activated %s version %d (revision %d)\n", rb.Version.Subject, rb.Version.Number, rb.Revision)
			return nil
		},
	}
	reg.register(cmd)
	cmd.Flags().IntVar(&to, "to", 0, "the version to activate (default: the one before the active one)")
	cmd.Flags().StringVarP(&message, "message", "m", "", "why, for the audit log")
	return cmd
}

func newHistory() *cobra.Command {
	var (
		reg   registryFlags
		limit int
	)
	cmd := &cobra.Command{
		Use:   "history SUBJECT",
		Short: "List a subject's versions, newest first; * marks the active one",
		Args:  positional("SUBJECT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit < 1 {
				return usagef("--limit %d: want 1 or more", limit)
			}
			c, err := reg.client()
			if err != nil {
				return err
			}
			ctx, cancel := callContext(cmd)
			defer cancel()
			var out struct{ History []apiVersion }
			if err := c.do(ctx, `query($subject: String!, $limit: Int) { history(subject: $subject, limit: $limit) { `+versionFields+` } }`,
				map[string]any{"subject": args[0], "limit": limit}, &out); err != nil {
				return err
			}
			var b bytes.Buffer
			w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tACTIVE\tTIME\tAUTHOR\tMESSAGE")
			for _, v := range out.History {
				active := ""
				if v.Active {
					active = "*"
				}
				msg, _, _ := strings.Cut(v.Message, "\n")
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", v.Number, active, v.Time.UTC().Format(time.RFC3339), v.Author, msg)
			}
			if err := w.Flush(); err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b.Bytes())
			return err
		},
	}
	reg.register(cmd)
	cmd.Flags().IntVar(&limit, "limit", 20, "show at most this many versions")
	return cmd
}

func newDiff() *cobra.Command {
	var (
		reg    registryFlags
		format string
	)
	cmd := &cobra.Command{
		Use:   "diff SUBJECT A B",
		Short: "Print the schema changes between versions A and B of a subject, as weft check does",
		Long: `diff asks the registry to build the active config with version A of SUBJECT,
then with version B, and prints each VirtualService's schema changes from A to
B, as weft check prints them.`,
		Args: positional("SUBJECT", "A", "B"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usagef("--format %q: want text or json", format)
			}
			var nums [2]int
			for i, a := range args[1:] {
				n, err := strconv.Atoi(a)
				if err != nil || n < 1 {
					return usagef("version %q: want a number from 1", a)
				}
				nums[i] = n
			}
			c, err := reg.client()
			if err != nil {
				return err
			}
			ctx, cancel := callContext(cmd)
			defer cancel()
			var out struct{ Diff apiReport }
			if err := c.do(ctx, `query($subject: String!, $from: Int!, $to: Int!) { diff(subject: $subject, from: $from, to: $to) { `+reportFields+` } }`,
				map[string]any{"subject": args[0], "from": nums[0], "to": nums[1]}, &out); err != nil {
				return err
			}
			return writeReport(cmd, out.Diff.report(), format)
		},
	}
	reg.register(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func newApprove() *cobra.Command {
	var (
		reg     registryFlags
		reason  string
		expires time.Duration
		list    bool
	)
	cmd := &cobra.Command{
		Use:   "approve SUBJECT CLASS COORDINATE [-m REASON] [--expires DURATION] | approve --list SUBJECT",
		Short: "Let one breaking change through the registry's checks of a subject, once",
		Long: `approve records in the registry that the breaking change of CLASS at
COORDINATE (as a check prints them: BREAKING FIELD_REMOVED Product.weight) may
go live in a push to SUBJECT, in whichever VirtualService it shows. The
approval lasts --expires (168h by default, at most 2160h: 90 days) and lets the
change through once: the push it lets through spends it, so the same break
coming back later (after a rollback, say) needs approving again. Approving
again replaces an approval, whatever its state. It needs the push scope on
SUBJECT, and is audited.

With --list, it prints SUBJECT's approvals and their state: active, expired,
or spent by the version a push made with it (the read scope is enough).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list {
				return positional("SUBJECT")(cmd, args)
			}
			return positional("SUBJECT", "CLASS", "COORDINATE")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, f := range []string{"message", "expires"} {
					if cmd.Flags().Changed(f) {
						return usagef("--%s goes with an approval, not --list", f)
					}
				}
			}
			if expires <= 0 || expires > store.MaxApprovalTTL {
				return usagef("--expires %s: want more than 0 and at most %s (90 days)", expires, store.MaxApprovalTTL)
			}
			c, err := reg.client()
			if err != nil {
				return err
			}
			ctx, cancel := callContext(cmd)
			defer cancel()
			if list {
				return listApprovals(ctx, cmd, c, args[0])
			}
			var out struct {
				Approve struct {
					Subject, Coordinate, Class, ApprovedBy string
					ExpiresAt                              time.Time
				}
			}
			if err := c.do(ctx, `mutation($in: ApprovalInput!) { approve(input: $in) { subject coordinate class approvedBy expiresAt } }`,
				map[string]any{"in": map[string]any{"subject": args[0], "class": args[1], "coordinate": args[2], "reason": reason, "expiresIn": expires.String()}}, &out); err != nil {
				return err
			}
			a := out.Approve
			fmt.Fprintf(cmd.OutOrStdout(), "approved %s %s for %s (by %s) until %s\n", a.Class, a.Coordinate, a.Subject, a.ApprovedBy, a.ExpiresAt.UTC().Format(time.RFC3339))
			return nil
		},
	}
	reg.register(cmd)
	cmd.Flags().StringVarP(&reason, "message", "m", "", "why the change may go through, for the audit log")
	cmd.Flags().DurationVar(&expires, "expires", store.DefaultApprovalTTL, "how long the approval lasts, at most 2160h (90 days)")
	cmd.Flags().BoolVar(&list, "list", false, "list SUBJECT's approvals and their state instead")
	return cmd
}

// listApprovals prints subject's approvals as a table, one per line.
func listApprovals(ctx context.Context, cmd *cobra.Command, c *registryClient, subject string) error {
	var out struct {
		Approvals []struct {
			Coordinate, Class, ApprovedBy, Reason, State string
			ExpiresAt                                    time.Time
			SpentVersion                                 *int
		}
	}
	if err := c.do(ctx, `query($subject: String!) { approvals(subject: $subject) { coordinate class approvedBy reason state expiresAt spentVersion } }`,
		map[string]any{"subject": subject}, &out); err != nil {
		return err
	}
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "COORDINATE\tCLASS\tSTATE\tEXPIRES\tAPPROVED BY\tREASON")
	for _, a := range out.Approvals {
		state := strings.ToLower(a.State)
		if a.SpentVersion != nil {
			state = fmt.Sprintf("%s (version %d)", state, *a.SpentVersion)
		}
		why, _, _ := strings.Cut(a.Reason, "\n")
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Coordinate, a.Class, state, a.ExpiresAt.UTC().Format(time.RFC3339), a.ApprovedBy, why)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	_, err := cmd.OutOrStdout().Write(b.Bytes())
	return err
}

// writeReport prints a report as text or JSON.
func writeReport(cmd *cobra.Command, rep *registry.Report, format string) error {
	if format == "json" {
		return encodeJSON(cmd.OutOrStdout(), rep)
	}
	return rep.WriteText(cmd.OutOrStdout())
}
