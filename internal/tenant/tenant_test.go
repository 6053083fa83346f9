package tenant

import (
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/apperr"
)

func ptr[T any](v T) *T { return &v }

func TestChangesApply(t *testing.T) {
	t.Parallel()
	base := Subaccount{Name: "Fleet", Mode: ModeDisabled, RiskThreshold: DefaultRiskThreshold, MaxAttempts: DefaultMaxAttempts}
	for _, tc := range []struct {
		name  string
		c     Changes
		field string // the field an error must name; empty for success
		check func(Subaccount) bool
	}{
		{"nothing", Changes{}, "", func(s Subaccount) bool {
			return s.Name == base.Name && s.Mode == base.Mode && s.RiskThreshold == base.RiskThreshold
		}},
		{"document types", Changes{AllowedTypes: []string{"passport", "passport", "id_card"}}, "", func(s Subaccount) bool { return len(s.Documents.AllowedTypes) == 2 }},
		{"library card", Changes{AllowedTypes: []string{"library_card"}}, "allowed_document_types", nil},
		{"no selfie", Changes{RequireMatchingSelfie: ptr(false)}, "", func(s Subaccount) bool { return !s.Documents.RequireMatchingSelfie }},
		{"trimmed name", Changes{Name: ptr("  Acme  ")}, "", func(s Subaccount) bool { return s.Name == "Acme" }},
		{"blank name", Changes{Name: ptr("   ")}, "name", nil},
		{"long name", Changes{Name: ptr(strings.Repeat("é", 201))}, "name", nil},
		{"risk based", Changes{Mode: ptr("risk_based")}, "", func(s Subaccount) bool { return s.Mode == ModeRiskBased }},
		{"all users", Changes{Mode: ptr("all_users")}, "", func(s Subaccount) bool { return s.Mode == ModeAllUsers }},
		{"mode in capitals", Changes{Mode: ptr("RISK_BASED")}, "identity_verification_mode", nil},
		{"threshold 0", Changes{RiskThreshold: ptr(0)}, "", func(s Subaccount) bool { return s.RiskThreshold == 0 }},
		{"threshold 100", Changes{RiskThreshold: ptr(100)}, "", func(s Subaccount) bool { return s.RiskThreshold == 100 }},
		{"threshold -1", Changes{RiskThreshold: ptr(-1)}, "identity_verification_risk_threshold", nil},
		{"threshold 101", Changes{RiskThreshold: ptr(101)}, "identity_verification_risk_threshold", nil},
		{"one attempt", Changes{MaxAttempts: ptr(1)}, "", func(s Subaccount) bool { return s.MaxAttempts == 1 }},
		{"no attempts", Changes{MaxAttempts: ptr(0)}, "max_verification_attempts", nil},
		{"absurd attempts", Changes{MaxAttempts: ptr(1000)}, "max_verification_attempts", nil},
		{"step-up defaults", Changes{StepUp: &StepUpPolicy{RiskThreshold: 80}}, "", func(s Subaccount) bool {
			return s.StepUp.RiskThreshold == 80 && s.StepUp.Fallback == FallbackIdentity && s.StepUp.ChallengeTTL == 5*time.Minute
		}},
		{"step-up without fallback", Changes{StepUp: &StepUpPolicy{Fallback: "none"}}, "", func(s Subaccount) bool { return s.StepUp.Fallback == FallbackNone }},
		{"step-up fallback sms", Changes{StepUp: &StepUpPolicy{Fallback: "sms"}}, "stepup_policy.fallback", nil},
		{"step-up thresholds", Changes{StepUp: &StepUpPolicy{AmountThresholds: map[string]int64{"usd": 100000, "eur": 1}}}, "", func(s Subaccount) bool {
			return s.StepUp.AmountThresholds["usd"] == 100000
		}},
		{"step-up currency in capitals", Changes{StepUp: &StepUpPolicy{AmountThresholds: map[string]int64{"USD": 1}}}, "stepup_policy.amount_thresholds", nil},
		{"step-up currency with a digit", Changes{StepUp: &StepUpPolicy{AmountThresholds: map[string]int64{"us1": 1}}}, "stepup_policy.amount_thresholds", nil},
		{"step-up amount 0", Changes{StepUp: &StepUpPolicy{AmountThresholds: map[string]int64{"usd": 0}}}, "stepup_policy.amount_thresholds", nil},
		{"step-up risk 101", Changes{StepUp: &StepUpPolicy{RiskThreshold: 101}}, "stepup_policy.risk_threshold", nil},
		{"step-up challenge of 29 s", Changes{StepUp: &StepUpPolicy{ChallengeTTL: 29 * time.Second}}, "stepup_policy.challenge_ttl_seconds", nil},
		{"step-up challenge of an hour", Changes{StepUp: &StepUpPolicy{ChallengeTTL: time.Hour}}, "", func(s Subaccount) bool { return s.StepUp.ChallengeTTL == time.Hour }},
		{"document-only alternative", Changes{NonBiometric: ptr("document_only")}, "", func(s Subaccount) bool { return s.NonBiometric == AlternativeDocumentOnly }},
		{"selfie as the alternative", Changes{NonBiometric: ptr("selfie")}, "non_biometric_alternative", nil},
		{"a verification flow", Changes{VerificationFlow: ptr("vf_1AbC")}, "", func(s Subaccount) bool { return s.VerificationFlow == "vf_1AbC" }},
		{"no verification flow", Changes{VerificationFlow: ptr("")}, "", func(s Subaccount) bool { return s.VerificationFlow == "" }},
		{"a session id as the flow", Changes{VerificationFlow: ptr("vs_1AbC")}, "verification_flow", nil},
		{"details check off", Changes{ReviewDetailsMismatch: ptr(false)}, "", func(s Subaccount) bool { return !s.ReviewDetailsMismatch }},
		{"step-up challenge over an hour", Changes{StepUp: &StepUpPolicy{ChallengeTTL: time.Hour + time.Second}}, "stepup_policy.challenge_ttl_seconds", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := base
			err := tc.c.apply(&s)
			if tc.field != "" {
				var ae *apperr.Error
				if err == nil || apperr.KindOf(err) != apperr.KindInvalid || !strings.Contains(err.Error(), tc.field) {
					t.Fatalf("got %v (%T), want invalid %s", err, ae, tc.field)
				}
				return
			}
			if err != nil || !tc.check(s) {
				t.Fatalf("got %+v, %v", s, err)
			}
		})
	}
}
