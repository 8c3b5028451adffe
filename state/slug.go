package state

import (
	"errors"
	"fmt"
)

// MaxSlugLen is the longest slug accepted, in bytes: the launcher caps
// user labels at 64 bytes.
const MaxSlugLen = 64

// ErrInvalidSlug is wrapped by every slug validation error.
var ErrInvalidSlug = errors.New("invalid slug")

// ValidateSlug refuses a slug that could not be part of a container name
// (bot-bottle-<slug>) or that could leave the state root. Allowing only
// letters, digits, '.', '_' and '-', and a letter or digit first, rules
// out separators, "..", hidden names and option-like arguments at once.
func ValidateSlug(slug string) error {
	switch {
	case slug == "":
		return fmt.Errorf("%w: the slug is empty", ErrInvalidSlug)
	case len(slug) > MaxSlugLen:
		return fmt.Errorf("%w %q: longer than %d bytes", ErrInvalidSlug, slug, MaxSlugLen)
	case !isAlnum(slug[0]):
		return fmt.Errorf("%w %q: it must start with a letter or digit",
			ErrInvalidSlug, slug)
	}
	for _, r := range slug {
		if !isSlugRune(r) {
			return fmt.Errorf("%w %q: %q is not allowed; use letters, digits, '.', '_' or '-'",
				ErrInvalidSlug, slug, r)
		}
	}
	return nil
}

func isSlugRune(r rune) bool {
	return r < 0x80 && (isAlnum(byte(r)) || r == '.' || r == '_' || r == '-')
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
