package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Merchant is a seller onboarded as a Stripe Connect custom account.
type Merchant struct{ ent.Schema }

// Mixin of the Merchant.
func (Merchant) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the Merchant.
func (Merchant) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(),
		field.String("subaccount_id").Immutable(),
		field.String("external_id").Immutable(),
		field.String("stripe_account_id").Optional().Nillable().Unique(),
		field.String("country").Immutable(), // ISO 3166-1 alpha-2
		field.String("business_type").Immutable(),
		field.Bool("high_risk").Default(false),
		// Where verification starts: database_kyc (tier 1) or document_liveness (tier 3).
		field.String("route"),
		// The representative's identity data for database KYC, sealed with the PII key.
		field.String("person_first_name").Default("").Annotations(Sealed()),
		field.String("person_last_name").Default("").Annotations(Sealed()),
		field.String("person_dob").Default("").Annotations(Sealed()),
		field.String("person_address").Default("").Annotations(Sealed()),
		// The SSN digits a passing database-KYC tier verified (last four for tier 1, the full
		// number for tier 2), sealed; kept only until they are pushed to Stripe, then wiped.
		field.String("person_id_number").Default("").Annotations(Sealed()),
		// A company's legal name and EIN for KYB at tier 1, sealed; the EIN is wiped once it
		// is pushed to Stripe (company[tax_id]).
		field.String("business_legal_name").Default("").Annotations(Sealed()),
		field.String("business_tax_id").Default("").Annotations(Sealed()),
		// Stripe's person_... that idgate pushed the verified data to.
		field.String("stripe_person_id").Optional().Nillable(),
		// Files Stripe rejected as a person's identity document: never attached again.
		field.Strings("rejected_document_files").Optional(),
		// Identity document images copied to the connected account: the Identity report's
		// file id (platform account) → the id of its copy (connected account), so a retried
		// push never uploads twice and a rejected copy's original is never copied again.
		field.JSON("document_uploads", map[string]string{}).Optional(),
		// The connected account's file ids last attached to the person as
		// verification.document front and back.
		field.Strings("document_files").Optional(),
		// Outcome of idgate's own verification: "" (not yet), verified, review, rejected.
		field.String("kyc_status").Default(""),
		field.Bool("charges_enabled").Default(false),
		field.Bool("payouts_enabled").Default(false),
		// JSON of Stripe's requirements and capability states, as last synced.
		field.Text("requirements").Default("{}"),
		field.Text("capabilities").Default("{}"),
		field.String("disabled_reason").Default(""),
		field.Time("current_deadline").Optional().Nillable(),
		// Stripe "created" of the account.updated applied last: older ones are ignored.
		field.Time("account_event_at").Optional().Nillable(),
		// The account.updated event applied last: settles same-second events (webhook.Order).
		field.String("account_event_id").Default(""),
		PIITouchedAt(),
	}
}

// Indexes of the Merchant.
func (Merchant) Indexes() []ent.Index {
	return []ent.Index{index.Fields("subaccount_id", "external_id").Unique()}
}
