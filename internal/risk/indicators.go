package risk

import (
	"fmt"
	"math"
)

// The indicator codes: seed 004's phone and location risk indicators.
const (
	IndicatorPhoneVOIP            = "phone_voip"
	IndicatorPhonePrepaid         = "phone_prepaid"
	IndicatorPhoneRecentlyPorted  = "phone_recently_ported"
	IndicatorPhoneHighRiskScore   = "phone_high_risk_score"
	IndicatorPhoneCountryMismatch = "phone_country_mismatch"
	IndicatorIPGPSMismatch        = "ip_gps_mismatch"
	IndicatorVPNOrProxy           = "vpn_or_proxy"
)

// HighPhoneRiskScore is the phone-lookup score from which a number counts as high risk.
const HighPhoneRiskScore = 75

// IPGPSMismatchKm is how far apart the IP-derived location and GPS may be before they
// disagree. IP geolocation is often off by tens of kilometres, so the margin is wide.
const IPGPSMismatchKm = 100

// Indicator is one risk indicator that holds, with a sentence for operators.
type Indicator struct {
	Code   string
	Detail string
}

// Indicators computes the indicators that hold for a customer's phone lookup and signup
// location; either may be nil (not recorded).
func Indicators(p *PhoneSignals, l *LocationSignals) []Indicator {
	var out []Indicator
	add := func(code, format string, args ...any) {
		out = append(out, Indicator{Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	if p != nil {
		if p.Type == PhoneVOIP {
			add(IndicatorPhoneVOIP, "Phone number is VOIP")
		}
		if p.Prepaid {
			add(IndicatorPhonePrepaid, "Phone number is prepaid")
		}
		if p.RecentlyPorted {
			add(IndicatorPhoneRecentlyPorted, "Phone number was recently ported to another carrier")
		}
		if p.RiskScore != nil && *p.RiskScore >= HighPhoneRiskScore {
			add(IndicatorPhoneHighRiskScore, "Phone lookup risk score is %d (high from %d)", *p.RiskScore, HighPhoneRiskScore)
		}
	}
	if p != nil && l != nil && p.Country != "" && l.Country != "" && p.Country != l.Country {
		add(IndicatorPhoneCountryMismatch, "Phone number is from %s but the signup IP is in %s", p.Country, l.Country)
	}
	if l != nil {
		if l.DistanceKm != nil && beyondAccuracy(*l.DistanceKm, l.AccuracyM) > IPGPSMismatchKm {
			detail := fmt.Sprintf("IP location is %.0f km from GPS", *l.DistanceKm)
			if l.AccuracyM != nil {
				detail += fmt.Sprintf(" (GPS accurate to %d m)", *l.AccuracyM)
			}
			add(IndicatorIPGPSMismatch, "%s", detail)
		}
		switch {
		case l.VPN && l.Proxy:
			add(IndicatorVPNOrProxy, "Signup came through a VPN and a proxy")
		case l.VPN:
			add(IndicatorVPNOrProxy, "Signup came through a VPN")
		case l.Proxy:
			add(IndicatorVPNOrProxy, "Signup came through a proxy")
		}
	}
	return out
}

// beyondAccuracy is the part of the IP-GPS distance that GPS inaccuracy cannot explain.
func beyondAccuracy(distanceKm float64, accuracyM *int) float64 {
	if accuracyM == nil {
		return distanceKm
	}
	return distanceKm - float64(*accuracyM)/1000
}

func codes(in []Indicator) []string {
	out := make([]string, len(in))
	for i, ind := range in {
		out[i] = ind.Code
	}
	return out
}

// earthRadiusKm is the Earth's mean radius.
const earthRadiusKm = 6371.0088

// HaversineKm is the great-circle distance in kilometres between two points given in
// degrees.
func HaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := func(deg float64) float64 { return deg * math.Pi / 180 }
	dLat, dLon := rad(lat2-lat1), rad(lon2-lon1)
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(a)))
}
