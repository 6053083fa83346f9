package identity

import "github.com/idgate/idgate/internal/tenant"

// Path is how a customer verifies. It starts standard (the subaccount's document options
// or verification flow) and changes when the customer declines the biometric check (the
// subaccount's non-biometric alternative), when Stripe cannot check them online, or when a
// verified document disagrees with the platform's details (manual review).
type Path string

// The paths; the alternatives are the subaccount's tenant.Alternative values.
const (
	PathStandard     Path = ""
	PathDocumentOnly Path = Path(tenant.AlternativeDocumentOnly)
	PathIDNumber     Path = Path(tenant.AlternativeIDNumber)
	PathManualReview Path = Path(tenant.AlternativeManualReview)
)

// Review reasons of the customer paths (besides ReasonMaxAttempts).
const (
	ReasonConsentDeclined = "consent_declined"
	ReasonDetailsMismatch = "provided_details_mismatch"
)

// startAction is the gate's required_action for a customer who must start a session on p.
func (p Path) startAction() string {
	switch p {
	case PathDocumentOnly:
		return "start_document_verification"
	case PathIDNumber:
		return "start_id_number_verification"
	}
	return "start_verification"
}

// startMessage tells the customer how they verify on p.
func (p Path) startMessage() string {
	switch p {
	case PathDocumentOnly:
		return "You can verify with a photo of your ID alone, without a selfie. Start verification to continue."
	case PathIDNumber:
		return "You can verify with your ID number instead of a selfie. Start verification to continue."
	}
	return "Please verify your identity to continue."
}

const reviewMessage = "Our team is verifying your identity another way. We'll let you know when it's done."

// Advice is what to tell a customer who is not verified, and what an operator should do,
// from the gate's columns. The gate (Decide) and the customer's record (Identity) both
// read it.
type Advice struct {
	Reason, RequiredAction, Message string
	RetryAllowed                    bool
	OperatorAction                  string
}

// advise decides for an unverified customer who must verify.
func advise(status, code string, path Path) Advice {
	o := OutcomeOf(code)
	switch {
	case path == PathManualReview && status != StatusFailed:
		a := Advice{Reason: "identity_verification_in_review", RequiredAction: "wait_for_review", Message: reviewMessage, OperatorAction: OperatorVerifyManually}
		if code != "" && o.Next == NextReview {
			a.Message, a.OperatorAction = o.Guidance, o.Operator
		}
		return a
	case status == StatusPending:
		return Advice{Reason: "identity_verification_pending", RequiredAction: "wait_for_verification",
			Message: "Your identity verification is being processed. Please try again shortly.", OperatorAction: OperatorNone}
	case status == StatusRequiresInput && code == "":
		return Advice{Reason: "identity_verification_requires_input", RequiredAction: "retry_verification",
			Message: unknownOutcome.Guidance, RetryAllowed: true, OperatorAction: OperatorNone}
	case status == StatusRequiresInput:
		a := Advice{Reason: "identity_verification_requires_input", Message: o.Guidance, RetryAllowed: o.Retry, OperatorAction: o.Operator}
		switch o.Next {
		case NextRetry:
			a.RequiredAction = "retry_verification"
		case NextDeclined, NextAlternative:
			a.RequiredAction, a.Message = path.startAction(), path.startMessage()
		case NextReview: // the path follows once the event is applied
			a.RequiredAction = "wait_for_review"
		}
		return a
	case status == StatusFailed:
		return Advice{Reason: "identity_verification_failed", RequiredAction: "contact_support",
			Message: "We couldn't verify your identity. Please contact support.", OperatorAction: OperatorNone}
	case status == StatusCanceled:
		return Advice{Reason: "identity_verification_canceled", RequiredAction: path.startAction(),
			Message: "Your identity verification was canceled. Please verify your identity to continue.", OperatorAction: OperatorNone}
	}
	a := Advice{Reason: "identity_verification_required", RequiredAction: path.startAction(), Message: path.startMessage(), OperatorAction: OperatorNone}
	return a
}
