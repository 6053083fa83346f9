package identity

// Next is what follows a session that came back with an error.
type Next string

// The three ways on.
const (
	// NextRetry: a new session on the customer's path may succeed; it uses an attempt.
	NextRetry Next = "retry"
	// NextDeclined: the customer declined the biometric check. The decline is recorded and
	// they get the subaccount's non-biometric alternative, without using an attempt.
	NextDeclined Next = "declined"
	// NextAlternative: the customer cannot do the biometric check (their device cannot); they
	// get the subaccount's non-biometric alternative, without using an attempt.
	NextAlternative Next = "alternative"
	// NextReview: no session can succeed (Stripe cannot check this customer online); an
	// operator verifies them by other means, and no attempt is used.
	NextReview Next = "review"
)

// Operators' next steps (Outcome.Operator).
const (
	OperatorNone              = "none"                      // the customer acts; nothing to do yet
	OperatorCheckDetails      = "check_provided_details"    // the email, phone or id number on file may be wrong
	OperatorReviewFraud       = "review_for_fraud"          // a manipulated selfie: look at the sessions
	OperatorVerifyManually    = "verify_manually"           // resolve the review task with another check
	OperatorCheckAge          = "check_age_eligibility"     // under the age Stripe verifies online
	OperatorFollowAlternative = "follow_non_biometric_path" // idgate offers the subaccount's alternative
	OperatorResolveReview     = "resolve_review"            // a review task waits for a decision
	OperatorInvestigate       = "investigate"               // a code idgate does not know
)

// Outcome is idgate's decision about one of Stripe Identity's last_error codes: what the
// customer is told (seed 003's table), whether another session is worth starting, what
// follows, and the operator's next step.
type Outcome struct {
	Guidance string
	Retry    bool
	Next     Next
	Operator string
}

// BurnsAttempt reports whether a session that ended with this outcome counts against the
// subaccount's max_verification_attempts: only one the customer can retry does.
func (o Outcome) BurnsAttempt() bool { return o.Next == NextRetry }

// errorOutcomes is the one table of Stripe Identity's last_error codes (every value of the
// API's verification_session.last_error.code). A code missing here gets unknownOutcome and
// is counted (Service.UnknownErrorCodes).
var errorOutcomes = map[string]Outcome{
	"abandoned": {"You left verification before it was finished. Start again when you're ready; it takes a few minutes.",
		true, NextRetry, OperatorNone},
	"consent_declined": {"You chose not to consent to the biometric check. You can verify your identity another way.",
		false, NextDeclined, OperatorFollowAlternative},
	"country_not_supported": {"We can't verify identity documents from your country online. Our team will verify you another way and let you know.",
		false, NextReview, OperatorVerifyManually},
	"device_not_supported": {"Your device can't run the selfie check. You can verify your identity another way.",
		false, NextAlternative, OperatorFollowAlternative},
	"document_expired": {"Your ID has expired. Please try again with a current, valid ID.",
		true, NextRetry, OperatorNone},
	"document_type_not_supported": {"That type of ID isn't accepted. Please use a driver's license or passport.",
		true, NextRetry, OperatorNone},
	"document_unverified_other": {"We couldn't read your ID. Retake the photo in good light, without glare or blur.",
		true, NextRetry, OperatorNone},
	"email_unverified_other": {"We couldn't verify your email address. Check that it is correct and try again.",
		true, NextRetry, OperatorCheckDetails},
	"email_verification_declined": {"Your email address wasn't confirmed. Try again and enter the code we send you.",
		true, NextRetry, OperatorNone},
	"id_number_insufficient_document_data": {"We couldn't find enough information to check your ID number. Try again with another ID number or document.",
		true, NextRetry, OperatorNone},
	"id_number_mismatch": {"Your ID number didn't match your name and date of birth. Check all three and try again.",
		true, NextRetry, OperatorCheckDetails},
	"id_number_unverified_other": {"We couldn't verify your ID number. Check it and try again.",
		true, NextRetry, OperatorNone},
	"phone_unverified_other": {"We couldn't verify your phone number. Check that it is correct and try again.",
		true, NextRetry, OperatorCheckDetails},
	"phone_verification_declined": {"Your phone number wasn't confirmed. Try again and enter the code we text you.",
		true, NextRetry, OperatorNone},
	"selfie_document_missing_photo": {"Your ID has no photo of you. Please use a different ID, such as a passport or driver's license.",
		true, NextRetry, OperatorNone},
	"selfie_face_mismatch": {"Your selfie didn't match the photo on your ID. Retake the selfie in good lighting, facing the camera.",
		true, NextRetry, OperatorNone},
	"selfie_manipulated": {"Your selfie couldn't be accepted. Please take a new live selfie with your camera.",
		true, NextRetry, OperatorReviewFraud},
	"selfie_unverified_other": {"We couldn't verify your selfie. Retake it in good lighting, facing the camera.",
		true, NextRetry, OperatorNone},
	"under_supported_age": {"You must be old enough to verify your identity online. Our team will review your account and let you know.",
		false, NextReview, OperatorCheckAge},
}

// unknownOutcome is the safe default for a code Stripe adds after this table: the generic
// guidance, a retry bounded by the attempts like any other, and an operator who looks.
var unknownOutcome = Outcome{"We couldn't verify your identity. Please try again, or contact support if the problem continues.",
	true, NextRetry, OperatorInvestigate}

// OutcomeOf returns idgate's decision about a last_error code.
func OutcomeOf(code string) Outcome {
	if o, ok := errorOutcomes[code]; ok {
		return o
	}
	return unknownOutcome
}

// KnownErrorCode reports whether the table decides code.
func KnownErrorCode(code string) bool {
	_, ok := errorOutcomes[code]
	return ok
}

// GuidanceFor returns the customer-facing guidance for a last_error code.
func GuidanceFor(code string) string { return OutcomeOf(code).Guidance }
