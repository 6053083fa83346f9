package identity

import (
	"testing"

	"github.com/idgate/idgate/internal/tenant"
)

func intp(v int) *int { return &v }

// TestMustVerify is the rule for who must verify, one row per case it tells apart.
func TestMustVerify(t *testing.T) {
	var (
		none     = Requirement{}
		byPolicy = Requirement{Required: true, Reason: ReasonSubaccountPolicy, Source: SourcePolicy}
		byRisk   = Requirement{Required: true, Reason: "risk_threshold_exceeded:75>=50", Source: SourceRisk}
		byOp     = Requirement{Required: true, Reason: "operator:chargeback", Source: SourceOperator}
		opClear  = Requirement{Reason: "risk_threshold_exceeded:75>=50", Source: SourceOperator}
		byFraud  = Requirement{Required: true, Reason: "early_fraud_warning:issfr_1", Source: SourceFraudWarning}
		allUsers = Policy{Mode: tenant.ModeAllUsers, Threshold: 50}
		risk50   = Policy{Mode: tenant.ModeRiskBased, Threshold: 50}
		risk80   = Policy{Mode: tenant.ModeRiskBased, Threshold: 80}
		disabled = Policy{Mode: tenant.ModeDisabled, Threshold: 50}
	)
	for _, tc := range []struct {
		name   string
		policy Policy
		facts  Facts
		want   Requirement
	}{
		{"all_users: a new customer", allUsers, Facts{}, byPolicy},
		{"all_users: whatever the score", allUsers, Facts{Score: intp(10), Current: byRisk}, byPolicy},
		{"risk_based: no charge yet", risk50, Facts{}, none},
		{"risk_based: under the threshold", risk50, Facts{Score: intp(10)}, none},
		{"risk_based: at the threshold", risk50, Facts{Score: intp(50)}, Requirement{true, "risk_threshold_exceeded:50>=50", SourceRisk}},
		{"risk_based: over it", risk50, Facts{Score: intp(75)}, byRisk},
		{"risk_based: a new threshold, a new reason", risk50, Facts{Score: intp(75), Current: Requirement{true, "risk_threshold_exceeded:75>=20", SourceRisk}}, byRisk},
		{"risk_based: lifts all_users' requirement", risk50, Facts{Score: intp(10), Current: byPolicy}, none},
		{"risk_based: lifts a score's that no longer holds", risk80, Facts{Score: intp(75), Current: byRisk}, none},
		{"risk_based: lifts a requirement of unknown source", risk80, Facts{Score: intp(75), Current: Requirement{Required: true, Reason: "x"}}, none},
		{"disabled: nobody", disabled, Facts{Score: intp(75), Current: byRisk}, none},
		{"pending, requires_input, failed, canceled decide like nil", risk50, Facts{Score: intp(75), Status: ptr(StatusRequiresInput)}, byRisk},
		{"verified: never asked again", allUsers, Facts{Status: ptr(StatusVerified)}, none},
		{"verified: nothing lifted either", disabled, Facts{Status: ptr(StatusVerified), Current: byRisk}, byRisk},
		{"an operator's requirement stands", disabled, Facts{Score: intp(10), Current: byOp}, byOp},
		{"an operator's clear stands", allUsers, Facts{Score: intp(75), Current: opClear}, opClear},
		{"a fraud warning's requirement stands", risk80, Facts{Score: intp(10), Current: byFraud}, byFraud},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := MustVerify(tc.policy, tc.facts); got != tc.want {
				t.Fatalf("MustVerify(%+v, %+v) = %+v, want %+v", tc.policy, tc.facts, got, tc.want)
			}
		})
	}
}
