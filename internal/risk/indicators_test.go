package risk

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/idgate/idgate/internal/apperr"
)

func intp(v int) *int { return &v }

func TestHaversineKm(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tolerance        float64
	}{
		{"Paris to London", 48.8566, 2.3522, 51.5074, -0.1278, 344, 1},
		{"New York to Los Angeles", 40.7128, -74.0060, 34.0522, -118.2437, 3936, 5},
		{"same point", 10, 20, 10, 20, 0, 1e-9},
		{"across the antimeridian", 0, 179.5, 0, -179.5, 111.2, 0.5},
		{"pole to pole", 90, 0, -90, 0, math.Pi * earthRadiusKm, 1e-6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := HaversineKm(tc.lat1, tc.lon1, tc.lat2, tc.lon2); math.Abs(got-tc.want) > tc.tolerance {
				t.Fatalf("HaversineKm = %.1f km, want %.1f ± %.1f", got, tc.want, tc.tolerance)
			}
		})
	}
}

func TestIndicators(t *testing.T) {
	// Paris by IP, London by GPS: 344 km apart.
	parisToLondon := HaversineKm(48.8566, 2.3522, 51.5074, -0.1278)
	near := 60.0
	for _, tc := range []struct {
		name    string
		phone   *PhoneSignals
		loc     *LocationSignals
		codes   []string
		details []string // substrings expected in the details, in order
	}{
		{name: "nothing recorded"},
		{name: "plain mobile", phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, Country: "US", RiskScore: intp(10)}}},
		{
			name:  "VOIP and prepaid",
			phone: &PhoneSignals{Phone: Phone{Type: PhoneVOIP, Prepaid: true}},
			codes: []string{IndicatorPhoneVOIP, IndicatorPhonePrepaid}, details: []string{"VOIP", "prepaid"},
		},
		{
			name:  "recently ported",
			phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, RecentlyPorted: true}},
			codes: []string{IndicatorPhoneRecentlyPorted},
		},
		{
			name:  "risk score at the high mark",
			phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, RiskScore: intp(HighPhoneRiskScore)}},
			codes: []string{IndicatorPhoneHighRiskScore}, details: []string{"risk score is 75"},
		},
		{name: "risk score under the high mark", phone: &PhoneSignals{Phone: Phone{Type: PhoneLandline, RiskScore: intp(HighPhoneRiskScore - 1)}}},
		{
			name:  "phone country differs from signup IP country",
			phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, Country: "GB"}},
			loc:   &LocationSignals{Country: "FR"},
			codes: []string{IndicatorPhoneCountryMismatch}, details: []string{"from GB but the signup IP is in FR"},
		},
		{name: "same country", phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, Country: "FR"}}, loc: &LocationSignals{Country: "FR"}},
		{name: "phone country unknown", phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile}}, loc: &LocationSignals{Country: "FR"}},
		{name: "IP country unknown", phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, Country: "GB"}}, loc: &LocationSignals{}},
		{name: "no location to compare with", phone: &PhoneSignals{Phone: Phone{Type: PhoneMobile, Country: "GB"}}},
		{
			name:  "IP far from GPS",
			loc:   &LocationSignals{DistanceKm: &parisToLondon},
			codes: []string{IndicatorIPGPSMismatch}, details: []string{"IP location is 344 km from GPS"},
		},
		{
			name:  "IP far from precise GPS",
			loc:   &LocationSignals{DistanceKm: &parisToLondon, AccuracyM: intp(20)},
			codes: []string{IndicatorIPGPSMismatch}, details: []string{"IP location is 344 km from GPS (GPS accurate to 20 m)"},
		},
		{name: "IP near GPS", loc: &LocationSignals{DistanceKm: &near}},
		{
			name: "GPS so inaccurate it explains the distance",
			loc:  &LocationSignals{DistanceKm: &parisToLondon, AccuracyM: intp(250_000)},
		},
		{
			name:  "GPS inaccuracy explains part of the distance only",
			loc:   &LocationSignals{DistanceKm: &parisToLondon, AccuracyM: intp(200_000)},
			codes: []string{IndicatorIPGPSMismatch},
		},
		{name: "no GPS", loc: &LocationSignals{Country: "FR"}},
		{name: "VPN", loc: &LocationSignals{VPN: true}, codes: []string{IndicatorVPNOrProxy}, details: []string{"through a VPN"}},
		{name: "proxy", loc: &LocationSignals{Proxy: true}, codes: []string{IndicatorVPNOrProxy}, details: []string{"through a proxy"}},
		{name: "VPN and proxy: one indicator", loc: &LocationSignals{VPN: true, Proxy: true}, codes: []string{IndicatorVPNOrProxy}, details: []string{"VPN and a proxy"}},
		{
			name:  "everything at once",
			phone: &PhoneSignals{Phone: Phone{Type: PhoneVOIP, Prepaid: true, RecentlyPorted: true, RiskScore: intp(90), Country: "US"}},
			loc:   &LocationSignals{Country: "FR", VPN: true, DistanceKm: &parisToLondon},
			codes: []string{
				IndicatorPhoneVOIP, IndicatorPhonePrepaid, IndicatorPhoneRecentlyPorted, IndicatorPhoneHighRiskScore,
				IndicatorPhoneCountryMismatch, IndicatorIPGPSMismatch, IndicatorVPNOrProxy,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Indicators(tc.phone, tc.loc)
			if !slices.Equal(codes(got), tc.codes) {
				t.Fatalf("codes %v, want %v", codes(got), tc.codes)
			}
			for i, want := range tc.details {
				if !strings.Contains(got[i].Detail, want) {
					t.Errorf("detail of %s is %q, want it to say %q", got[i].Code, got[i].Detail, want)
				}
			}
			for _, ind := range got {
				if ind.Detail == "" {
					t.Errorf("%s has no detail", ind.Code)
				}
			}
		})
	}
}

func TestPhoneValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     Phone
		field string
	}{
		{"complete", Phone{Type: "mobile", Carrier: "Verizon", RiskScore: intp(0), Country: "us"}, ""},
		{"type in capitals", Phone{Type: "VOIP"}, ""},
		{"no type", Phone{}, "phone_type"},
		{"unknown type", Phone{Type: "satellite"}, "phone_type"},
		{"score over 100", Phone{Type: "mobile", RiskScore: intp(101)}, "phone_risk_score"},
		{"negative score", Phone{Type: "mobile", RiskScore: intp(-1)}, "phone_risk_score"},
		{"three-letter country", Phone{Type: "mobile", Country: "USA"}, "phone_country"},
		{"country with digits", Phone{Type: "mobile", Country: "U1"}, "phone_country"},
		{"carrier with a newline", Phone{Type: "mobile", Carrier: "a\nb"}, "phone_carrier"},
		{"carrier too long", Phone{Type: "mobile", Carrier: strings.Repeat("a", maxTextLen+1)}, "phone_carrier"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.p
			checkField(t, p.validate(), tc.field)
		})
	}
	p := Phone{Type: " Mobile ", Country: "gb"}
	if err := p.validate(); err != nil || p.Type != PhoneMobile || p.Country != "GB" {
		t.Fatalf("normalised to %+v (%v), want type mobile and country GB", p, err)
	}
}

func TestLocationValidate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		name  string
		l     Location
		field string
	}{
		{"complete", Location{IP: "203.0.113.7", City: "Paris", Region: "IDF", Country: "fr", IPLat: f(48.85), IPLon: f(2.35), GPSLat: f(51.5), GPSLon: f(-0.12), AccuracyM: intp(30)}, ""},
		{"IPv6", Location{IP: "2001:db8::1"}, ""},
		{"extreme coordinates", Location{IP: "203.0.113.7", GPSLat: f(-90), GPSLon: f(180)}, ""},
		{"no IP", Location{}, "signup_ip"},
		{"IP not an address", Location{IP: "example.com"}, "signup_ip"},
		{"IP with a zone", Location{IP: "fe80::1%eth0"}, "signup_ip"},
		{"country name", Location{IP: "203.0.113.7", Country: "France"}, "signup_ip_country"},
		{"city with control characters", Location{IP: "203.0.113.7", City: "Par\x00is"}, "signup_ip_city"},
		{"latitude over 90", Location{IP: "203.0.113.7", GPSLat: f(90.5), GPSLon: f(0)}, "signup_latitude"},
		{"longitude under -180", Location{IP: "203.0.113.7", GPSLat: f(0), GPSLon: f(-181)}, "signup_longitude"},
		{"NaN latitude", Location{IP: "203.0.113.7", GPSLat: f(math.NaN()), GPSLon: f(0)}, "signup_latitude"},
		{"latitude alone", Location{IP: "203.0.113.7", GPSLat: f(1)}, "signup_longitude"},
		{"longitude alone", Location{IP: "203.0.113.7", GPSLon: f(1)}, "signup_latitude"},
		{"IP latitude alone", Location{IP: "203.0.113.7", IPLat: f(1)}, "signup_ip_longitude"},
		{"IP latitude out of range", Location{IP: "203.0.113.7", IPLat: f(-91), IPLon: f(0)}, "signup_ip_latitude"},
		{"negative accuracy", Location{IP: "203.0.113.7", GPSLat: f(0), GPSLon: f(0), AccuracyM: intp(-1)}, "signup_location_accuracy"},
		{"accuracy without GPS", Location{IP: "203.0.113.7", AccuracyM: intp(10)}, "signup_location_accuracy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := tc.l
			checkField(t, l.validate(), tc.field)
		})
	}
	l := Location{IP: " ::ffff:203.0.113.7 ", Country: "fr"}
	if err := l.validate(); err != nil || l.IP != "203.0.113.7" || l.Country != "FR" {
		t.Fatalf("normalised to %+v (%v)", l, err)
	}
}

func checkField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if apperr.KindOf(err) != apperr.KindInvalid || !strings.HasPrefix(err.Error(), field+":") {
		t.Fatalf("got %v, want an error naming %s", err, field)
	}
}
