package onboarding

import "strings"

// Next actions a merchant's requirements can lead to.
const (
	ActionCollectFullSSN     = "collect_full_ssn"            // tier 2
	ActionDocument           = "start_document_verification" // tier 3
	ActionDatabaseKYC        = "start_database_kyc"          // tier 1
	ActionProvideInformation = "provide_requirements"        // anything else Stripe asks for
	ActionWaitDatabaseKYC    = "wait_for_database_kyc"       // Stripe Connect is verifying tier 1 or 2
)

// Remediate maps Stripe's requirements to the step that satisfies them, so a merchant is
// never left with a list nobody acts on: id-number mismatches go to tier 2 (full SSN),
// document requirements and identity mismatches to tier 3 (document + liveness), missing
// basic identity data to tier 1; the rest is for the merchant to provide. Errors weigh more
// than missing fields; the most demanding step wins.
func Remediate(r Requirements) string {
	best := ""
	rank := map[string]int{"": 0, ActionProvideInformation: 1, ActionDatabaseKYC: 2, ActionCollectFullSSN: 3, ActionDocument: 4}
	consider := func(a string) {
		if rank[a] > rank[best] {
			best = a
		}
	}
	for _, e := range r.Errors {
		consider(remedyForError(e.Code))
	}
	for _, f := range append(append([]string{}, r.PastDue...), r.CurrentlyDue...) {
		consider(remedyForField(f))
	}
	return best
}

func remedyForError(code string) string {
	switch {
	case strings.Contains(code, "id_number"):
		return ActionCollectFullSSN
	case strings.HasPrefix(code, "verification_document_"),
		code == "verification_failed_keyed_identity", code == "verification_failed_name_match",
		code == "verification_failed_address_match", code == "verification_failed_other":
		return ActionDocument
	}
	return ActionProvideInformation
}

func remedyForField(f string) string {
	// Fields come as "individual.x", "person_123.x", "representative.x" or bare.
	_, field, found := strings.Cut(f, ".")
	if !found || !(strings.HasPrefix(f, "individual.") || strings.HasPrefix(f, "person_") || strings.HasPrefix(f, "representative.")) {
		field = f
	}
	switch {
	case strings.HasPrefix(field, "verification.document"), strings.HasPrefix(field, "verification.additional_document"):
		return ActionDocument
	case field == "id_number":
		return ActionCollectFullSSN
	case field == "ssn_last_4", field == "dob.day", field == "dob.month", field == "dob.year",
		field == "first_name", field == "last_name", strings.HasPrefix(field, "address."):
		return ActionDatabaseKYC
	}
	return ActionProvideInformation
}
