package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRegistryApprovals drives an approval's life through the CLI against
// a `weft registry serve` process: it expires, a push it lets through
// spends it, and `weft approve --list` shows each state.
func TestRegistryApprovals(t *testing.T) {
	db := seededStore(t)
	ci := createToken(t, db, "ci-pets", "push:Upstream/pets", "read:*")
	reg := startRegistry(t, "--store", db, "--listen", "127.0.0.1:0")
	env := []string{"WEFT_REGISTRY=" + reg.base, "WEFT_TOKEN=" + ci}
	breaking := specFile(t, `"tag": {"type": "string"}`, `"tag": {"type": "integer"}`)
	// list returns the approvals table's row for Pet.tag.
	list := func() string {
		t.Helper()
		r := weftEnv(t, env, "approve", "--list", "Upstream/pets")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != 0 || len(lines) != 2 || !strings.HasPrefix(lines[0], "COORDINATE  CLASS               STATE") {
			t.Fatalf("approve --list: %+v", r)
		}
		return lines[1]
	}

	for _, tt := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag", "--expires", "2161h"}, "Error: --expires 2161h0m0s: want more than 0 and at most 2160h0m0s (90 days)"},
		{[]string{"approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag", "--expires", "0s"}, "Error: --expires 0s: want more than 0"},
		{[]string{"approve", "--list", "Upstream/pets", "--expires", "1h"}, "Error: --expires goes with an approval, not --list"},
		{[]string{"approve", "--list", "Upstream/pets", "Pet.tag"}, `Error: unexpected argument "Pet.tag"`},
		{[]string{"approve", "Upstream/pets", "FIELD_TYPE_CHANGED"}, "Error: missing COORDINATE"},
	} {
		if r := weftEnv(t, env, tt.args...); r.code != 1 || !strings.HasPrefix(r.stderr, tt.stderr) {
			t.Errorf("weft %s: exit %d, stderr %q; want 1 and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.stderr)
		}
	}

	r := weftEnv(t, env, "approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag", "-m", "no client reads tag")
	untilRe := regexp.MustCompile(`^approved FIELD_TYPE_CHANGED Pet.tag for Upstream/pets \(by ci-pets\) until (\S+)\n$`)
	until := untilRe.FindStringSubmatch(r.stdout)
	if r.code != 0 || until == nil {
		t.Fatalf("approve: %+v", r)
	}
	if row := list(); !regexp.MustCompile(`^Pet\.tag +FIELD_TYPE_CHANGED +active +` + until[1] + ` +ci-pets +no client reads tag$`).MatchString(row) {
		t.Errorf("listed %q; want it active until %s", row, until[1])
	}

	// Approved again for a second: by the time of the push it has
	// expired, and the push says so.
	r = weftEnv(t, env, "approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag", "--expires", "1s")
	until = untilRe.FindStringSubmatch(r.stdout)
	if r.code != 0 || until == nil {
		t.Fatalf("approve --expires 1s: %+v", r)
	}
	expires, err := time.Parse(time.RFC3339, until[1])
	if err != nil {
		t.Fatal(err)
	}
	// The time printed is to the second, cut, not rounded.
	time.Sleep(time.Until(expires.Add(time.Second + 100*time.Millisecond)))
	if row := list(); !strings.Contains(row, " expired ") {
		t.Errorf("listed %q after it expired; want it expired", row)
	}
	r = weftEnv(t, env, "push", "--upstream", "pets", breaking)
	lapsed := "its approval by ci-pets expired at " + until[1]
	if r.code != 1 || !strings.Contains(r.stdout, "    not approved: "+lapsed+"; approve it again to let it through\n") ||
		r.stderr != "Error: 1 breaking change(s) not approved: FIELD_TYPE_CHANGED Pet.tag in api ("+lapsed+"); approve them with weft approve, or pass --allow-breaking\n" {
		t.Fatalf("push with an expired approval: %+v", r)
	}

	// Approved again for the default week, the push goes through and
	// spends it.
	approvedAt := time.Now()
	if r := weftEnv(t, env, "approve", "Upstream/pets", "FIELD_TYPE_CHANGED", "Pet.tag"); r.code != 0 {
		t.Fatalf("approve: %+v", r)
	}
	row := list()
	fields := strings.Fields(row)
	if exp, err := time.Parse(time.RFC3339, fields[3]); err != nil || fields[2] != "active" || exp.Sub(approvedAt) < 167*time.Hour || exp.Sub(approvedAt) > 169*time.Hour {
		t.Errorf("listed %q; want it active for a week", row)
	}
	if r := weftEnv(t, env, "push", "--upstream", "pets", breaking, "-m", "tag is a number"); r.code != 0 || !strings.HasSuffix(r.stdout, "pushed Upstream/pets version 2 (revision 3)\n") {
		t.Fatalf("approved push: %+v", r)
	}
	if row := list(); !strings.Contains(row, " spent (version 2) ") {
		t.Errorf("listed %q after the push; want it spent by version 2", row)
	}

	// Rolled back, the same break needs approving again.
	if r := weftEnv(t, env, "rollback", "Upstream/pets", "--to", "1"); r.code != 0 {
		t.Fatalf("rollback: %+v", r)
	}
	r = weftEnv(t, env, "check", "--upstream", "pets", breaking)
	if r.code != 1 || !strings.Contains(r.stdout, "    not approved: its approval by ci-pets was spent by version 2; approve it again to let it through\n") {
		t.Fatalf("check after the rollback: %+v", r)
	}

	reg.signal(syscall.SIGTERM)
	if code := reg.wait(30 * time.Second); code != 0 {
		t.Fatalf("registry exit status %d after SIGTERM\nstderr:\n%s", code, reg.stderr)
	}
}
