package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

func TestReviewTasks(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e, _ := identityEnv(t, db)
			ctx := context.Background()
			sub, cust, _ := e.newCustomer("all_users", 50, 1)
			e.simulate(e.session(cust), "requires_input", "document_expired")
			if _, err := e.identity.CreateVerificationSession(ctx, &idgatev1.CreateVerificationSessionRequest{CustomerId: cust}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("second session with one attempt: %v", err)
			}
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sub, ExternalId: "gb-1", Country: "GB", BusinessType: "individual"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := onb.RecordBiometricConsent(ctx, &idgatev1.RecordBiometricConsentRequest{MerchantId: m.Id}); err != nil {
				t.Fatal(err)
			}

			alice := idgatev1.NewAdminServiceClient(dial(t, e.grpcAddr, e.newKey(t, "operator", sub)))
			bob := idgatev1.NewAdminServiceClient(dial(t, e.grpcAddr, e.newKey(t, "operator", sub)))
			list, err := alice.ListReviewTasks(ctx, &idgatev1.ListReviewTasksRequest{Status: "open"})
			if err != nil || len(list.Tasks) != 2 {
				t.Fatalf("open tasks: %v %v", list, err)
			}
			urgent, high := list.Tasks[0], list.Tasks[1]
			if urgent.Priority != "urgent" || urgent.Reason != "max_attempts_exceeded" || urgent.SubjectId != cust ||
				high.Priority != "high" || high.Reason != "consent_declined" || high.SubjectId != m.Id {
				t.Fatalf("order or content: %v", list.Tasks)
			}

			if _, err := alice.ClaimReviewTask(ctx, &idgatev1.ClaimReviewTaskRequest{Id: urgent.Id}); err != nil {
				t.Fatal(err)
			}
			if _, err := bob.ClaimReviewTask(ctx, &idgatev1.ClaimReviewTaskRequest{Id: urgent.Id}); status.Code(err) != codes.AlreadyExists {
				t.Fatalf("claiming a claimed task: %v, want AlreadyExists", err)
			}
			if _, err := alice.ResolveReviewTask(ctx, &idgatev1.ResolveReviewTaskRequest{Id: urgent.Id, Decision: "approve"}); status.Code(err) != codes.InvalidArgument {
				t.Fatalf("resolve without notes: %v", err)
			}
			done, err := alice.ResolveReviewTask(ctx, &idgatev1.ResolveReviewTaskRequest{Id: urgent.Id, Decision: "approve", Notes: "passport checked on a video call"})
			if err != nil || done.Status != "resolved" || done.Resolution != "approve" || done.ResolvedBy == "" {
				t.Fatalf("resolve: %v %v", done, err)
			}
			c := e.customer(cust)
			if c.IdentityStatus == nil || *c.IdentityStatus != "verified" || !c.IdentityManualVerification || c.IdentityManualVerificationNotes != "passport checked on a video call" {
				t.Fatalf("approved customer: %+v", c)
			}
			if _, err := alice.ResolveReviewTask(ctx, &idgatev1.ResolveReviewTaskRequest{Id: urgent.Id, Decision: "reject", Notes: "again"}); status.Code(err) != codes.FailedPrecondition {
				t.Fatalf("resolving twice: %v", err)
			}

			if _, err := bob.ResolveReviewTask(ctx, &idgatev1.ResolveReviewTaskRequest{Id: high.Id, Decision: "approve", Notes: "documents checked by hand"}); err != nil {
				t.Fatal(err)
			}
			r, err := onb.GetVerificationCostReport(ctx, &idgatev1.GetVerificationCostReportRequest{From: timestamppb.New(time.Now().Add(-time.Hour))})
			if err != nil || len(r.Tiers) != 1 || r.Tiers[0].Tier != 4 || r.Tiers[0].Successes != 1 {
				t.Fatalf("the merchant's manual review in the ledger: %v %v", r, err)
			}
		})
	}
}
