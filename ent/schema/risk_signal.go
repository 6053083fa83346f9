package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// RiskSignal holds a customer's phone-lookup and signup-location risk data (seed 004) and
// the indicators computed from them. Raw location (IP address, coordinates) is sealed.
type RiskSignal struct{ ent.Schema }

// Mixin of the RiskSignal.
func (RiskSignal) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, TenantMixin{}} }

// Fields of the RiskSignal.
func (RiskSignal) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").Immutable().NotEmpty(), // the customer id
		field.String("subaccount_id").Immutable(),

		field.String("phone_type").Default(""), // mobile, landline, voip
		field.String("phone_carrier").Default(""),
		field.Bool("phone_is_prepaid").Default(false),
		field.Bool("phone_recently_ported").Default(false),
		field.Int("phone_risk_score").Optional().Nillable(),
		field.String("phone_country").Default(""),
		field.Time("phone_recorded_at").Optional().Nillable(),

		field.String("signup_ip_city").Default(""),
		field.String("signup_ip_region").Default(""),
		field.String("signup_ip_country").Default(""),
		field.Bool("signup_vpn").Default(false),
		field.Bool("signup_proxy").Default(false),
		field.Int("signup_location_accuracy").Optional().Nillable(), // GPS accuracy, meters
		field.Float("ip_gps_distance_km").Optional().Nillable(),
		// Sealed JSON: the signup IP and the IP-derived and GPS coordinates.
		field.Text("signup_location").Default("").Annotations(Sealed()),
		field.Time("location_recorded_at").Optional().Nillable(),

		// The seed's risk indicators that hold, e.g. "phone_voip", "ip_gps_mismatch".
		field.Strings("indicators").Optional(),
		PIITouchedAt(),
	}
}
