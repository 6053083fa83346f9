package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// WebAuthnCredential is a passkey a customer enrolled for payment step-up.
type WebAuthnCredential struct{ ent.Schema }

// Mixin of the WebAuthnCredential.
func (WebAuthnCredential) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the WebAuthnCredential.
func (WebAuthnCredential) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // wac_...
		field.String("customer_id").Immutable(),
		field.String("subaccount_id").Immutable(),
		// The authenticator's credential id and COSE public key. The id is unique per
		// customer only: a global unique key would tell one tenant that another's customer
		// holds a credential id.
		field.Bytes("credential_id").Immutable(),
		field.Bytes("public_key").Immutable(),
		field.String("attestation_type").Immutable().Default(""),
		field.Bytes("aaguid").Immutable().Optional(),
		field.Strings("transports").Optional(),
		field.Bool("backup_eligible").Immutable().Default(false),
		field.Bool("backup_state").Default(false),
		// The authenticator's signature counter; a counter that goes back means a clone.
		field.Int64("sign_count").Default(0),
		field.Bool("clone_warning").Default(false),
		field.String("name").Default(""),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes of the WebAuthnCredential.
func (WebAuthnCredential) Indexes() []ent.Index {
	return []ent.Index{index.Fields("customer_id", "credential_id").Unique()}
}

// Annotations of the WebAuthnCredential.
func (WebAuthnCredential) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "webauthn_credentials"}}
}
