package onboarding

import "testing"

func TestRemediate(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Requirements
		want string
	}{
		{"nothing due", Requirements{}, ""},
		{"id number mismatch", Requirements{Errors: []RequirementError{{Code: "verification_failed_id_number_match", Requirement: "individual.id_number"}}}, ActionCollectFullSSN},
		{"document requirement", Requirements{CurrentlyDue: []string{"individual.verification.document"}}, ActionDocument},
		{"person document", Requirements{PastDue: []string{"person_1Abc.verification.document"}}, ActionDocument},
		{"keyed identity failed", Requirements{Errors: []RequirementError{{Code: "verification_failed_keyed_identity"}}}, ActionDocument},
		{"full ssn asked", Requirements{CurrentlyDue: []string{"individual.id_number"}}, ActionCollectFullSSN},
		{"basic identity", Requirements{CurrentlyDue: []string{"individual.dob.day", "individual.ssn_last_4"}}, ActionDatabaseKYC},
		{"business details", Requirements{CurrentlyDue: []string{"external_account", "tos_acceptance.date"}}, ActionProvideInformation},
		{"the most demanding wins", Requirements{CurrentlyDue: []string{"external_account", "individual.id_number", "individual.verification.document"}}, ActionDocument},
	} {
		if got := Remediate(tc.r); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
