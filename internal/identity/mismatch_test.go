package identity

import (
	"slices"
	"testing"

	"github.com/idgate/idgate/internal/stripe"
)

func TestMismatch(t *testing.T) {
	t.Parallel()
	doc := stripe.VerifiedData{FirstName: "Zoë Anne", LastName: "García-Márquez", DOB: "1990-02-01"}
	for _, tc := range []struct {
		name     string
		provided Provided
		want     []string
	}{
		{"the same, in other case and without accents", Provided{"ZOE ANNE", "garcia marquez", "1990-02-01"}, nil},
		{"no middle name on file", Provided{"Zoe", "García-Márquez", ""}, nil},
		{"one surname on file", Provided{"Zoë", "Garcia", ""}, nil},
		{"nothing on file", Provided{}, nil},
		{"another first name", Provided{"Chloe", "Garcia", ""}, []string{"first_name"}},
		{"another surname", Provided{"Zoe", "Smith", ""}, []string{"last_name"}},
		{"another date of birth", Provided{"", "", "1990-01-02"}, []string{"dob"}},
		{"everything differs", Provided{"Jane", "Doe", "1980-05-05"}, []string{"first_name", "last_name", "dob"}},
	} {
		if got := Mismatch(tc.provided, doc); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := Mismatch(Provided{"Jane", "Doe", "1980-05-05"}, stripe.VerifiedData{}); got != nil {
		t.Errorf("a document without a name or date of birth: %v, want nothing compared", got)
	}
}
