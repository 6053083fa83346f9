// Package risk holds customers' risk signals (phone lookups and signup locations, seed 004),
// the indicators computed from them, the risk profile that gathers a customer's risk, and
// the simulation of a verification policy over a subaccount's stored scores.
package risk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/customer"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/tenant"
)

// The phone types a lookup reports.
const (
	PhoneMobile   = "mobile"
	PhoneLandline = "landline"
	PhoneVOIP     = "voip"
)

// Phone is the result of a phone lookup.
type Phone struct {
	Type           string // mobile, landline or voip
	Carrier        string
	Prepaid        bool
	RecentlyPorted bool
	RiskScore      *int   // 0-100, the lookup provider's assessment
	Country        string // ISO 3166-1 alpha-2 of the number
}

// PhoneSignals is a recorded phone lookup.
type PhoneSignals struct {
	Phone
	RecordedAt time.Time
}

// Location is where a customer signed up. The IP address and the coordinates are sealed
// at rest and never returned.
type Location struct {
	IP      string
	City    string // from the IP lookup
	Region  string
	Country string   // ISO 3166-1 alpha-2, from the IP lookup
	IPLat   *float64 // where the IP lookup places the IP
	IPLon   *float64
	GPSLat  *float64 // GPS at signup
	GPSLon  *float64
	// AccuracyM is the GPS accuracy in metres.
	AccuracyM *int
	VPN       bool
	Proxy     bool
}

// LocationSignals is what is kept in clear of a recorded signup location.
type LocationSignals struct {
	City       string
	Region     string
	Country    string
	VPN        bool
	Proxy      bool
	AccuracyM  *int
	DistanceKm *float64 // from the IP-derived location to GPS, when both were given
	RecordedAt time.Time
}

// The kinds of flag a profile shows.
const (
	FlagIdentityVerificationRequired = "identity_verification_required"
	FlagStepUpRequired               = "stepup_required"
	FlagEarlyFraudWarning            = "early_fraud_warning"
)

// Flag is something in force on the customer, with why and since when.
type Flag struct {
	Kind   string
	Reason string
	Since  *time.Time
}

// Profile is a customer's risk: Radar score and level, identity status, phone and
// location signals, the indicators that hold and the flags in force.
type Profile struct {
	CustomerID     string
	SubaccountID   string
	RiskScore      *int // seed 004's score from Radar's level
	RiskLevel      *string
	RadarRiskScore *int
	IdentityStatus *string
	Phone          *PhoneSignals    // nil: no lookup recorded
	Location       *LocationSignals // nil: no signup location recorded
	Indicators     []Indicator
	Flags          []Flag
}

// Service records risk signals and answers risk profiles and policy simulations.
type Service struct {
	store       *store.Store
	pii         *pii.Cipher
	subaccounts *tenant.Service
	log         *slog.Logger
	now         func() time.Time
}

// NewService returns a Service; clk is the time its rules read (location retention).
func NewService(st *store.Store, cipher *pii.Cipher, subaccounts *tenant.Service, clk clock.Clock, log *slog.Logger) *Service {
	return &Service{store: st, pii: cipher, subaccounts: subaccounts, log: log, now: func() time.Time { return clk.Now().UTC() }}
}

// sealedLocation is the field the raw location is sealed under.
const sealedLocation = "signup_location"

// rawLocation is the sealed part of a signup location.
type rawLocation struct {
	IP     string   `json:"ip"`
	IPLat  *float64 `json:"ip_lat,omitempty"`
	IPLon  *float64 `json:"ip_lon,omitempty"`
	GPSLat *float64 `json:"gps_lat,omitempty"`
	GPSLon *float64 `json:"gps_lon,omitempty"`
}

// RecordPhoneLookup stores a customer's phone lookup, replacing an earlier one, and
// recomputes the indicators.
func (s *Service) RecordPhoneLookup(ctx context.Context, customerID string, p Phone) (Profile, error) {
	if err := p.validate(); err != nil {
		return Profile{}, err
	}
	return s.record(ctx, customerID, func(m *ent.RiskSignalMutation, sig *signals, now time.Time) error {
		sig.phone = &PhoneSignals{Phone: p, RecordedAt: now}
		m.SetPhoneType(p.Type)
		m.SetPhoneCarrier(p.Carrier)
		m.SetPhoneIsPrepaid(p.Prepaid)
		m.SetPhoneRecentlyPorted(p.RecentlyPorted)
		if p.RiskScore != nil {
			m.SetPhoneRiskScore(*p.RiskScore)
		} else {
			m.ClearPhoneRiskScore()
		}
		m.SetPhoneCountry(p.Country)
		m.SetPhoneRecordedAt(now)
		return nil
	})
}

// RecordSignupLocation stores where a customer signed up, replacing an earlier location,
// and recomputes the indicators. The IP address and coordinates are sealed.
func (s *Service) RecordSignupLocation(ctx context.Context, customerID string, l Location) (Profile, error) {
	if err := l.validate(); err != nil {
		return Profile{}, err
	}
	raw, err := json.Marshal(rawLocation{IP: l.IP, IPLat: l.IPLat, IPLon: l.IPLon, GPSLat: l.GPSLat, GPSLon: l.GPSLon})
	if err != nil {
		return Profile{}, err
	}
	var distance *float64
	if l.IPLat != nil && l.GPSLat != nil {
		d := math.Round(HaversineKm(*l.IPLat, *l.IPLon, *l.GPSLat, *l.GPSLon)*10) / 10
		distance = &d
	}
	return s.record(ctx, customerID, func(m *ent.RiskSignalMutation, sig *signals, now time.Time) error {
		sealed, err := s.pii.Seal(string(raw), sig.customerID, sealedLocation)
		if err != nil {
			return fmt.Errorf("encrypt signup location: %w", err)
		}
		sig.location = &LocationSignals{
			City: l.City, Region: l.Region, Country: l.Country, VPN: l.VPN, Proxy: l.Proxy,
			AccuracyM: l.AccuracyM, DistanceKm: distance, RecordedAt: now,
		}
		m.SetSignupIPCity(l.City)
		m.SetSignupIPRegion(l.Region)
		m.SetSignupIPCountry(l.Country)
		m.SetSignupVpn(l.VPN)
		m.SetSignupProxy(l.Proxy)
		if l.AccuracyM != nil {
			m.SetSignupLocationAccuracy(*l.AccuracyM)
		} else {
			m.ClearSignupLocationAccuracy()
		}
		if distance != nil {
			m.SetIPGpsDistanceKm(*distance)
		} else {
			m.ClearIPGpsDistanceKm()
		}
		m.SetSignupLocation(sealed)
		m.SetLocationRecordedAt(now)
		return nil
	})
}

// signals are a customer's recorded phone and location.
type signals struct {
	customerID string
	phone      *PhoneSignals
	location   *LocationSignals
}

// record upserts the customer's risk_signals row in one transaction: set replaces one
// half of the signals (in sig and in the mutation), then the indicators are recomputed
// from both halves.
func (s *Service) record(ctx context.Context, customerID string, set func(m *ent.RiskSignalMutation, sig *signals, now time.Time) error) (Profile, error) {
	var out Profile
	err := s.store.InTx(ctx, func(tx store.Tx) error {
		cust, err := s.lockCustomer(ctx, tx, customerID)
		if err != nil {
			return err
		}
		if cust.IdentityRedactionRequestedAt != nil {
			return apperr.FailedPrecondition("customer %s had their personal data deleted; no risk signals are recorded for them", cust.ID)
		}
		row, err := tx.RiskSignal.Get(ctx, cust.ID)
		if err != nil && !ent.IsNotFound(err) {
			return err
		}
		sig := signalsOf(cust.ID, row)
		var m *ent.RiskSignalMutation
		var save func() error
		if row == nil {
			c := tx.RiskSignal.Create().SetID(cust.ID).SetSubaccountID(cust.SubaccountID)
			m, save = c.Mutation(), func() error { return c.Exec(ctx) }
		} else {
			u := row.Update()
			m, save = u.Mutation(), func() error { return u.Exec(ctx) }
		}
		if err := set(m, &sig, s.now()); err != nil {
			return err
		}
		indicators := Indicators(sig.phone, sig.location)
		m.SetIndicators(codes(indicators))
		if err := save(); err != nil {
			return fmt.Errorf("save risk signals of %s: %w", cust.ID, err)
		}
		s.log.InfoContext(ctx, "risk signals recorded", "customer_id", cust.ID, "indicators", codes(indicators))
		out, err = s.profile(ctx, tx.Client, cust, sig)
		return err
	})
	return out, err
}

// GetRiskProfile gathers a customer's risk.
func (s *Service) GetRiskProfile(ctx context.Context, customerID string) (Profile, error) {
	cust, err := visibleCustomer(ctx, s.store.Reader.Customer.Query(), customerID)
	if err != nil {
		return Profile{}, err
	}
	row, err := s.store.Reader.RiskSignal.Get(ctx, cust.ID)
	if err != nil && !ent.IsNotFound(err) {
		return Profile{}, err
	}
	return s.profile(ctx, s.store.Reader, cust, signalsOf(cust.ID, row))
}

// lockCustomer reads a customer for update inside tx, so that risk writes of one customer
// (and its redaction) happen one after the other.
func (s *Service) lockCustomer(ctx context.Context, tx store.Tx, id string) (*ent.Customer, error) {
	return visibleCustomer(ctx, store.Locked(tx, tx.Customer.Query()), id)
}

// visibleCustomer reads customer id when the caller may see its subaccount; another
// tenant's customer is not found.
func visibleCustomer(ctx context.Context, q *ent.CustomerQuery, id string) (*ent.Customer, error) {
	if id == "" {
		return nil, apperr.Invalid("customer_id", "is required")
	}
	row, err := q.Where(customer.ID(id)).Only(ctx)
	if err != nil {
		return nil, store.MapError(err, "customer "+id)
	}
	return row, nil
}

// signalsOf converts a stored row (nil: none yet); the sealed location is not opened.
func signalsOf(customerID string, r *ent.RiskSignal) signals {
	sig := signals{customerID: customerID}
	if r == nil {
		return sig
	}
	if r.PhoneRecordedAt != nil {
		sig.phone = &PhoneSignals{
			Phone: Phone{
				Type: r.PhoneType, Carrier: r.PhoneCarrier, Prepaid: r.PhoneIsPrepaid, RecentlyPorted: r.PhoneRecentlyPorted,
				RiskScore: r.PhoneRiskScore, Country: r.PhoneCountry,
			},
			RecordedAt: *r.PhoneRecordedAt,
		}
	}
	if r.LocationRecordedAt != nil {
		sig.location = &LocationSignals{
			City: r.SignupIPCity, Region: r.SignupIPRegion, Country: r.SignupIPCountry, VPN: r.SignupVpn, Proxy: r.SignupProxy,
			AccuracyM: r.SignupLocationAccuracy, DistanceKm: r.IPGpsDistanceKm, RecordedAt: *r.LocationRecordedAt,
		}
	}
	return sig
}

// profile assembles the customer's profile. The customer's payments step up when the risk
// score reaches the step-up policy's threshold, and for an open early fraud warning unless
// the policy turned that off.
func (s *Service) profile(ctx context.Context, c *ent.Client, cust *ent.Customer, sig signals) (Profile, error) {
	p := Profile{
		CustomerID: cust.ID, SubaccountID: cust.SubaccountID,
		RiskScore: cust.StripeRiskScore, RiskLevel: cust.StripeRiskLevel, RadarRiskScore: cust.StripeRadarRiskScore,
		IdentityStatus: cust.IdentityStatus, Phone: sig.phone, Location: sig.location,
		Indicators: Indicators(sig.phone, sig.location),
	}
	if cust.IdentityVerificationRequired {
		p.Flags = append(p.Flags, Flag{Kind: FlagIdentityVerificationRequired, Reason: cust.IdentityVerificationRequiredReason, Since: cust.IdentityVerificationRequiredAt})
	}
	sub, err := c.Subaccount.Get(ctx, cust.SubaccountID)
	if err != nil {
		return Profile{}, fmt.Errorf("subaccount of customer %s: %w", cust.ID, err)
	}
	if t := sub.StepupRiskThreshold; t > 0 && cust.StripeRiskScore != nil && *cust.StripeRiskScore >= t {
		p.Flags = append(p.Flags, Flag{Kind: FlagStepUpRequired, Reason: fmt.Sprintf("risk_threshold:%d>=%d", *cust.StripeRiskScore, t)})
	}
	if cust.FraudWarningID != "" {
		p.Flags = append(p.Flags, Flag{Kind: FlagEarlyFraudWarning, Reason: cust.FraudWarningID, Since: cust.FraudWarningAt})
		if sub.StepupOnFraudWarning {
			p.Flags = append(p.Flags, Flag{Kind: FlagStepUpRequired, Reason: "early_fraud_warning:" + cust.FraudWarningID, Since: cust.FraudWarningAt})
		}
	}
	return p, nil
}

const maxTextLen = 200

// validate checks each field, naming the first that is wrong, and normalises the type
// and country. Messages never repeat values.
func (p *Phone) validate() error {
	p.Type = strings.ToLower(strings.TrimSpace(p.Type))
	switch p.Type {
	case PhoneMobile, PhoneLandline, PhoneVOIP:
	case "":
		return apperr.Invalid("phone_type", "is required: mobile, landline or voip")
	default:
		return apperr.Invalid("phone_type", "must be mobile, landline or voip")
	}
	var err error
	if p.Carrier, err = text("phone_carrier", p.Carrier); err != nil {
		return err
	}
	if p.RiskScore != nil && (*p.RiskScore < 0 || *p.RiskScore > 100) {
		return apperr.Invalid("phone_risk_score", "must be between 0 and 100")
	}
	p.Country, err = countryCode("phone_country", p.Country)
	return err
}

// validate checks each field, naming the first that is wrong, and normalises the IP
// address, texts and country. Messages never repeat values.
func (l *Location) validate() error {
	ip, err := netip.ParseAddr(strings.TrimSpace(l.IP))
	switch {
	case l.IP == "":
		return apperr.Invalid("signup_ip", "is required")
	case err != nil || ip.Zone() != "":
		return apperr.Invalid("signup_ip", "must be an IPv4 or IPv6 address")
	}
	l.IP = ip.Unmap().String()
	if l.City, err = text("signup_ip_city", l.City); err != nil {
		return err
	}
	if l.Region, err = text("signup_ip_region", l.Region); err != nil {
		return err
	}
	if l.Country, err = countryCode("signup_ip_country", l.Country); err != nil {
		return err
	}
	if err := coordinates("signup_ip_latitude", "signup_ip_longitude", l.IPLat, l.IPLon); err != nil {
		return err
	}
	if err := coordinates("signup_latitude", "signup_longitude", l.GPSLat, l.GPSLon); err != nil {
		return err
	}
	switch {
	case l.AccuracyM != nil && *l.AccuracyM < 0:
		return apperr.Invalid("signup_location_accuracy", "must be 0 or more metres")
	case l.AccuracyM != nil && l.GPSLat == nil:
		return apperr.Invalid("signup_location_accuracy", "is the accuracy of signup_latitude and signup_longitude; give them too")
	}
	return nil
}

// coordinates checks a latitude and longitude given together, or neither.
func coordinates(latField, lonField string, lat, lon *float64) error {
	switch {
	case lat == nil && lon != nil:
		return apperr.Invalid(latField, "is required with %s", lonField)
	case lat != nil && lon == nil:
		return apperr.Invalid(lonField, "is required with %s", latField)
	case lat == nil:
		return nil
	case !(*lat >= -90 && *lat <= 90):
		return apperr.Invalid(latField, "must be between -90 and 90")
	case !(*lon >= -180 && *lon <= 180):
		return apperr.Invalid(lonField, "must be between -180 and 180")
	}
	return nil
}

// countryCode returns an ISO 3166-1 alpha-2 code in upper case; empty means unknown.
func countryCode(field, v string) (string, error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if v == "" {
		return "", nil
	}
	if len(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' {
		return "", apperr.Invalid(field, "must be an ISO 3166-1 alpha-2 country code such as US")
	}
	return v, nil
}

// text trims a short free-text field and checks it is printable UTF-8.
func text(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxTextLen || strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return "", apperr.Invalid(field, "must be printable UTF-8 of at most %d characters", maxTextLen)
	}
	return v, nil
}
