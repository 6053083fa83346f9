package identity

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/idgate/idgate/internal/stripe"
)

// Provided is what the platform has on file for a customer (CreateCustomer), checked
// against what a verified session read from the document.
type Provided struct {
	FirstName, LastName string
	DOB                 string // YYYY-MM-DD
}

// Mismatch returns the fields ("first_name", "last_name", "dob") on which the platform's
// details and the verified document disagree. A field missing on either side is not
// compared. Names are compared without case, accents or punctuation, and one name may
// hold words the other lacks (a middle name on the document, a second surname on file);
// dates of birth must be equal.
func Mismatch(p Provided, v stripe.VerifiedData) []string {
	var out []string
	if !sameName(p.FirstName, v.FirstName) {
		out = append(out, "first_name")
	}
	if !sameName(p.LastName, v.LastName) {
		out = append(out, "last_name")
	}
	if p.DOB != "" && v.DOB != "" && p.DOB != v.DOB {
		out = append(out, "dob")
	}
	return out
}

func sameName(a, b string) bool {
	wa, wb := nameWords(a), nameWords(b)
	if len(wa) == 0 || len(wb) == 0 {
		return true
	}
	return subset(wa, wb) || subset(wb, wa)
}

func subset(a, b map[string]bool) bool {
	for w := range a {
		if !b[w] {
			return false
		}
	}
	return true
}

// nameWords are a name's words, lower-case and without accents ("Zoë" → "zoe").
func nameWords(s string) map[string]bool {
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC) // stateful: one per call
	folded, _, err := transform.String(fold, s)
	if err != nil {
		folded = s
	}
	words := strings.FieldsFunc(strings.ToLower(folded), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := make(map[string]bool, len(words))
	for _, w := range words {
		out[w] = true
	}
	return out
}
