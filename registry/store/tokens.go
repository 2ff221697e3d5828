package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// SecretPrefix starts every token secret, so that a secret pasted where it
// should not be (a log, a repository) is easy to find and to scan for.
const SecretPrefix = "weft_"

// secretBytes is the entropy of a secret: 256 bits.
const secretBytes = 32

// secretLen is the length of a secret: the prefix and the random bytes in
// unpadded base64url.
var secretLen = len(SecretPrefix) + base64.RawURLEncoding.EncodedLen(secretBytes)

// hashSecret is what the store keeps of a secret: its SHA-256, in hex. A
// fast hash is enough because the secret is 256 random bits, not a
// password: no dictionary holds it, and no number of guesses finds it;
// bcrypt or argon2 would only make each request's check slow.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// checkTokenSpec checks a token's name and scopes.
func (s *Store) checkTokenSpec(spec TokenSpec) error {
	if spec.Name == "" {
		return &InputError{Field: "Name", Reason: "is empty"}
	}
	if err := checkText(spec.Name, 253); err != nil {
		return &InputError{Field: "Name", Reason: err.Error()}
	}
	if len(spec.Scopes) == 0 {
		return &InputError{Field: "Scopes", Reason: "a token needs at least one scope"}
	}
	if len(spec.Scopes) > 1000 {
		return &InputError{Field: "Scopes", Reason: fmt.Sprintf("%d scopes, more than the limit of 1000", len(spec.Scopes))}
	}
	for i, sc := range spec.Scopes {
		if sc.Action.rank() == 0 {
			return &InputError{Field: fmt.Sprintf("Scopes[%d].Action", i),
				Reason: fmt.Sprintf("unknown action %s: want read, check, push or admin", quote(string(sc.Action)))}
		}
		if sc.Subject == AnySubject {
			continue
		}
		if err := ValidSubject(sc.Subject); err != nil {
			return &InputError{Field: fmt.Sprintf("Scopes[%d].Subject", i), Reason: err.Error() + ` (or "*" for every subject)`}
		}
	}
	return nil
}

// CreateToken stores a new token and returns its secret, which is shown
// this once: the store keeps only its hash. A live token with the same
// name is ErrTokenExists.
func (s *Store) CreateToken(ctx context.Context, spec TokenSpec) (string, error) {
	if err := s.checkTokenSpec(spec); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	var raw [secretBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	secret := SecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	scopes, err := json.Marshal(spec.Scopes)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	now := s.clock()
	err = s.update(ctx, func(tx txn) error {
		var n int
		if err := tx.queryRow(ctx, "SELECT count(*) FROM tokens WHERE name = $1 AND revoked_at IS NULL", spec.Name).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%s: %w", quote(spec.Name), ErrTokenExists)
		}
		_, err := tx.exec(ctx, "INSERT INTO tokens (name, hash, scopes, created_at) VALUES ($1, $2, $3, $4)",
			spec.Name, hashSecret(secret), string(scopes), now)
		if s.b.isUniqueViolation(err) {
			return fmt.Errorf("%s: %w", quote(spec.Name), ErrTokenExists)
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return secret, nil
}

// Authenticate returns the live token whose secret this is. A secret that
// is malformed, unknown or revoked is ErrInvalidToken, whose message says
// which, for the audit log; tell the client no more than "invalid token".
func (s *Store) Authenticate(ctx context.Context, secret string) (Token, error) {
	// A malformed secret costs no query.
	if len(secret) != secretLen || !strings.HasPrefix(secret, SecretPrefix) {
		return Token{}, fmt.Errorf("authenticate: malformed secret: %w", ErrInvalidToken)
	}
	var t Token
	var revoked bool
	err := s.read(ctx, func(tx txn) error {
		var err error
		t, revoked, err = scanToken(tx.queryRow(ctx,
			"SELECT id, name, scopes, created_at, revoked_at FROM tokens WHERE hash = $1",
			hashSecret(secret)))
		return err
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Token{}, fmt.Errorf("authenticate: unknown secret: %w", ErrInvalidToken)
	case err != nil:
		return Token{}, fmt.Errorf("authenticate: %w", err)
	case revoked:
		return Token{}, fmt.Errorf("authenticate: token %s is revoked: %w", quote(t.Name), ErrInvalidToken)
	}
	return t, nil
}

// scanToken reads (id, name, scopes, created_at, revoked_at) and says
// whether the token is revoked.
func scanToken(r row) (Token, bool, error) {
	var t Token
	var scopes string
	var revokedAt *time.Time
	if err := r.Scan(&t.ID, &t.Name, &scopes, &t.Created, &revokedAt); err != nil {
		return Token{}, false, err
	}
	revoked := revokedAt != nil
	if err := json.Unmarshal([]byte(scopes), &t.Scopes); err != nil {
		return Token{}, false, fmt.Errorf("token %s: stored scopes: %w", quote(t.Name), err)
	}
	t.Created = t.Created.UTC()
	if revoked {
		t.Revoked = revokedAt.UTC()
	}
	return t, revoked, nil
}

// RevokeToken revokes the live token named name; it is kept, revoked, for
// the audit log's sake. No such live token is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, name string) error {
	now := s.clock()
	err := s.update(ctx, func(tx txn) error {
		n, err := tx.exec(ctx, "UPDATE tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL", name, now)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no live token %s: %w", quote(name), ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// ListTokens returns every token, revoked ones included, oldest first.
func (s *Store) ListTokens(ctx context.Context) ([]Token, error) {
	var out []Token
	err := s.read(ctx, func(tx txn) error {
		out = nil
		rs, err := tx.query(ctx,
			"SELECT id, name, scopes, created_at, revoked_at FROM tokens ORDER BY id")
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			t, _, err := scanToken(rs)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return rs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}
