package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ContentHash is the hex SHA-256 of a version's files: each path in byte
// order, then its bytes, each preceded by its length as 8 bytes big-endian,
// so that no two different sets of files hash alike by shifting bytes
// between a path and its content.
func ContentHash(files map[string][]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range sortedKeys(files) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
		binary.BigEndian.PutUint64(n[:], uint64(len(files[p])))
		h.Write(n[:])
		h.Write(files[p])
	}
	return hex.EncodeToString(h.Sum(nil))
}

var (
	kindRe = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	// The rules internal/resource applies to metadata.namespace (a
	// DNS-1123 label) and metadata.name (a DNS-1123 subdomain).
	namespaceRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	nameRe      = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`)
)

// ValidSubject says why s is not a subject name, or nil: "Kind/name" or
// "Kind/namespace/name", with the kind a capitalized identifier and the
// namespace and name as Weft's resources have them.
func ValidSubject(s string) error {
	parts := strings.Split(s, "/")
	bad := func(why string) error {
		return fmt.Errorf("invalid subject %s: %s", quote(s), why)
	}
	switch {
	case s == "":
		return fmt.Errorf("subject is empty")
	case len(parts) < 2 || len(parts) > 3:
		return bad(`want "Kind/name" or "Kind/namespace/name"`)
	case !kindRe.MatchString(parts[0]) || len(parts[0]) > 63:
		return bad("the kind must be a capitalized name of letters and digits (Upstream, VirtualService)")
	case len(parts) == 3 && (len(parts[1]) > 63 || !namespaceRe.MatchString(parts[1])):
		return bad("the namespace must be at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit")
	}
	if name := parts[len(parts)-1]; len(name) > 253 || !nameRe.MatchString(name) {
		return bad("the name must be at most 253 lower-case letters, digits, '-' and '.', starting and ending with a letter or digit")
	}
	return nil
}

// maxPath caps one file's path.
const maxPath = 1024

// ValidPath says why p is not a file path of a version, or nil: a path
// relative to the config root, in the form io/fs accepts (slash-separated,
// no "." or ".." elements, no leading or trailing slash), naming a file.
func ValidPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("path is empty")
	case len(p) > maxPath:
		return fmt.Errorf("path %s is longer than %d bytes", quote(p), maxPath)
	case !utf8.ValidString(p):
		return fmt.Errorf("path %s is not valid UTF-8", quote(p))
	case p == ".":
		return fmt.Errorf(`path "." names the config root, not a file`)
	case strings.ContainsRune(p, '\\'):
		return fmt.Errorf(`path %s has a backslash: separate directories with "/"`, quote(p))
	case strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("path %s has a control character", quote(p))
	case !fs.ValidPath(p):
		return fmt.Errorf(`path %s is not relative to the config root: no leading or trailing "/", no empty, "." or ".." elements`, quote(p))
	}
	return nil
}

// checkPush checks a push request against the rules and limits.
func (s *Store) checkPush(req PushRequest) error {
	if err := ValidSubject(req.Subject); err != nil {
		return &InputError{Field: "Subject", Reason: err.Error()}
	}
	if len(req.Files) == 0 {
		return &InputError{Field: "Files", Reason: "a version needs at least one file"}
	}
	if len(req.Files) > s.limits.MaxFiles {
		return &InputError{Field: "Files", Reason: fmt.Sprintf("%d files, more than the limit of %d", len(req.Files), s.limits.MaxFiles)}
	}
	size := len(req.Composed)
	for _, p := range sortedKeys(req.Files) {
		if err := ValidPath(p); err != nil {
			return &InputError{Field: "Files[" + quote(p) + "]", Reason: err.Error()}
		}
		size += len(p) + len(req.Files[p])
	}
	if size > s.limits.MaxBytes {
		return &InputError{Field: "Files", Reason: fmt.Sprintf("%d bytes with the composed text, more than the limit of %d", size, s.limits.MaxBytes)}
	}
	for i, a := range req.Approvals {
		if ie := checkChange(a.Coordinate, a.Class); ie != nil {
			ie.Field = fmt.Sprintf("Approvals[%d].%s", i, ie.Field)
			return ie
		}
	}
	return s.checkTexts(map[string]string{"Author": req.Author, "Message": req.Message})
}

// checkAuthor checks an author and message of an activation or delete.
func (s *Store) checkAuthor(subject, author, message string) error {
	if err := ValidSubject(subject); err != nil {
		return &InputError{Field: "subject", Reason: err.Error()}
	}
	return s.checkTexts(map[string]string{"author": author, "message": message})
}

// checkTexts checks free text fields: valid UTF-8 without NUL (which
// PostgreSQL's text refuses), within MaxText.
func (s *Store) checkTexts(fields map[string]string) error {
	for _, f := range sortedKeys(fields) {
		if err := checkText(fields[f], s.limits.MaxText); err != nil {
			return &InputError{Field: f, Reason: err.Error()}
		}
	}
	return nil
}

func checkText(v string, max int) error {
	switch {
	case len(v) > max:
		return fmt.Errorf("%d bytes, more than the limit of %d", len(v), max)
	case !utf8.ValidString(v):
		return fmt.Errorf("not valid UTF-8")
	case strings.IndexByte(v, 0) >= 0:
		return fmt.Errorf("has a NUL byte")
	}
	return nil
}

// quote quotes a name for an error, shortened when long.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
