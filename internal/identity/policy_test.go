package identity

import (
	"testing"
)

// TestRiskThresholdTable is seed 004's "Example Scenarios" table.
func TestRiskThresholdTable(t *testing.T) {
	for _, tc := range []struct {
		level     string
		threshold int
		required  bool
		reason    string
	}{
		{"normal", 50, false, ""},
		{"elevated", 50, true, "risk_threshold_exceeded:50>=50"},
		{"highest", 50, true, "risk_threshold_exceeded:75>=50"},
		{"highest", 80, false, ""},
	} {
		t.Run(tc.level, func(t *testing.T) {
			score, ok := RiskScore(tc.level)
			if !ok {
				t.Fatalf("no score for %s", tc.level)
			}
			required, reason := RiskRequires(score, tc.threshold)
			if required != tc.required || reason != tc.reason {
				t.Fatalf("%s (%d) at %d: required=%v %q, want %v %q", tc.level, score, tc.threshold, required, reason, tc.required, tc.reason)
			}
		})
	}
	for level, want := range map[string]int{"normal": 10, "elevated": 50, "highest": 75} {
		if got, _ := RiskScore(level); got != want {
			t.Errorf("RiskScore(%s) = %d, want %d", level, got, want)
		}
	}
	if _, ok := RiskScore("not_assessed"); ok {
		t.Error("not_assessed must not produce a score")
	}
}

func ptr(s string) *string { return &s }

// TestRideGateTable is seed 004's "Verification Status Impact on Rides" table, with the
// ride-start check: required and not verified blocks.
func TestRideGateTable(t *testing.T) {
	for _, tc := range []struct {
		name     string
		required bool
		status   *string
		allowed  bool
		action   string
	}{
		{"null, never required", false, nil, true, "none"},
		{"null, required by policy", true, nil, false, "start_verification"},
		{"verified", false, ptr("verified"), true, "none"},
		{"verified while a requirement stands", true, ptr("verified"), true, "none"},
		{"pending and required", true, ptr("pending"), false, "wait_for_verification"},
		{"pending, requirement cleared", false, ptr("pending"), true, "none"},
		{"requires_input", true, ptr("requires_input"), false, "retry_verification"},
		{"failed", true, ptr("failed"), false, "contact_support"},
		{"canceled", true, ptr("canceled"), false, "start_verification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.required, tc.status, "selfie_face_mismatch", PathStandard)
			if d.Allowed != tc.allowed || d.RequiredAction != tc.action || d.Reason == "" {
				t.Fatalf("got %+v, want allowed=%v action=%s", d, tc.allowed, tc.action)
			}
			if !d.Allowed && d.Message == "" {
				t.Fatal("a refusal must tell the customer what to do")
			}
		})
	}
}
