package stripe

import "strings"

// MaxIDLength bounds a Stripe id idgate accepts.
const MaxIDLength = 255

// ValidID reports whether id is a Stripe id of a kind one of prefixes names ("cus", "pi",
// "ch" ...): the prefix, "_", then letters, digits and underscores, MaxIDLength characters
// at most in all. Stripe says ids may change length and format, so nothing more is assumed
// ("cus_test_ab12_x9" is a customer id). Every Stripe id the API accepts is checked here.
func ValidID(id string, prefixes ...string) bool {
	if len(id) > MaxIDLength {
		return false
	}
	for _, p := range prefixes {
		rest, ok := strings.CutPrefix(id, p+"_")
		if ok && rest != "" && strings.IndexFunc(rest, notIDChar) < 0 {
			return true
		}
	}
	return false
}

func notIDChar(r rune) bool {
	return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
}

// ValidCurrency reports whether c is written as Stripe writes currencies: a three-letter
// ISO code in lower case ("usd").
func ValidCurrency(c string) bool {
	return len(c) == 3 && strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") == ""
}
