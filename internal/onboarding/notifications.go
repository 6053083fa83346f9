package onboarding

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/internal/identity"
	"github.com/idgate/idgate/internal/notify"
	"github.com/idgate/idgate/internal/store"
)

// Types of the notifications a merchant receives, one for each step it must take (seed 003's
// emails). Their texts name no person and carry no personal data.
const (
	NoteInformationRequired = "merchant_information_required"        // tier 1
	NoteFullSSNRequired     = "merchant_full_ssn_required"           // tier 2
	NoteDocumentRequired    = "merchant_document_required"           // tier 3, consent first
	NoteRequiresInput       = "merchant_verification_requires_input" // a tier-3 attempt failed
	NoteUnderReview         = "merchant_under_review"                // manual review
	NoteVerified            = "merchant_verified"
	NoteRejected            = "merchant_rejected"
	NoteChargesEnabled      = "merchant_charges_enabled"
)

// informationRequired asks for tier 1's data; companies also give their business's.
func informationRequired(businessType string) notify.Message {
	what := "your legal name, date of birth, home address and the last 4 digits of your Social Security Number"
	if businessType == "company" {
		what += ", and your business's legal name and Employer Identification Number (EIN)"
	}
	return notify.Message{Type: NoteInformationRequired, Title: "Action Required: Verify Your Identity",
		Body: "We need to verify your identity to activate payment processing. Please confirm " + what +
			" in your dashboard.\n\nThis is required by federal law and takes about 2 minutes. Your data is secure and encrypted."}
}

func fullSSNRequired() notify.Message {
	return notify.Message{Type: NoteFullSSNRequired, Title: "We need your full Social Security Number",
		Body: "We could not verify your identity with the last 4 digits of your Social Security Number. " +
			"Please enter your full 9-digit SSN in the secure form in your dashboard; it is encrypted and used only to verify your identity."}
}

// documentRequired is seed 003's "Upload Government ID" email, with the biometric consent
// the check needs first; in the liveness countries it says that the law requires it.
func documentRequired(country string) notify.Message {
	why := "• Federal regulations require identity verification\n"
	if slices.Contains(livenessCountries, country) {
		why = "• Regulations in " + countryName(country) + " require biometric verification for payment processing\n"
	}
	return notify.Message{Type: NoteDocumentRequired, Title: "Action Required: Upload Government ID",
		Body: "We need to verify your identity to activate payment processing. Please upload a government-issued photo ID " +
			"and take a selfie; this takes about 3-5 minutes.\n\n" +
			"First you will be asked for your consent to the use of biometric technology (facial recognition) to verify your identity. " +
			"If you do not consent, our team will verify you another way.\n\n" +
			"Why we need this:\n" + why + "• Your data is secure and encrypted\n• One-time verification"}
}

// requiresInput is the retry guidance of seed 003's error table.
func requiresInput(code string, attemptsLeft int) notify.Message {
	left := fmt.Sprintf(" You have %d attempts left.", attemptsLeft)
	if attemptsLeft == 1 {
		left = " You have 1 attempt left."
	}
	return notify.Message{Type: NoteRequiresInput, Title: "Identity Verification Needs Another Try",
		Body: identity.GuidanceFor(code) + left}
}

func underReview(reason string) notify.Message {
	body := "We could not complete your verification automatically, so our team will review it and contact you within 2-5 business days."
	if reason == ReasonConsentDeclined {
		body = "You chose not to use biometric verification, so our team will verify your identity another way and contact you within 2-5 business days."
	}
	return notify.Message{Type: NoteUnderReview, Title: "Your Verification Is Under Review", Body: body}
}

func verified() notify.Message {
	return notify.Message{Type: NoteVerified, Title: "Identity Verified",
		Body: "Your identity has been verified. We are activating payment processing and will let you know when you can accept payments."}
}

func rejected() notify.Message {
	return notify.Message{Type: NoteRejected, Title: "Identity Verification Unsuccessful",
		Body: "We could not verify your identity, so payment processing cannot be activated. Please contact support."}
}

func chargesEnabled() notify.Message {
	return notify.Message{Type: NoteChargesEnabled, Title: "Payments Activated",
		Body: "Payment processing is active on your account: you can now accept payments."}
}

// firstStep is what a new merchant is asked for: its route's first tier.
func firstStep(m *ent.Merchant) notify.Message {
	if m.Route == RouteDocumentLiveness {
		return documentRequired(m.Country)
	}
	return informationRequired(m.BusinessType)
}

// notify adds a notification for m in tx (none without an outbox: tests of other parts).
func (s *Service) notify(ctx context.Context, tx store.Tx, m *ent.Merchant, msg notify.Message) error {
	if s.outbox == nil {
		return nil
	}
	return s.outbox.Add(ctx, tx, m.SubaccountID, notify.Merchant(m.ID), msg)
}

func countryName(code string) string {
	if r, err := language.ParseRegion(code); err == nil {
		if n := display.English.Regions().Name(r); n != "" {
			return n
		}
	}
	return code
}
