package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/server"
)

// consoleFixture is two subaccounts' customers: A flags everyone (three customers flagged
// eight days ago, one of them since verified by hand, and two flagged now), B flags no one.
type consoleFixture struct {
	subA, subB                      string
	stuck                           []string // A's, flagged long ago and not verified
	verified, recent, inB, everyone []string
}

func (e *env) consoleFixture(t *testing.T, clk *clock.Fake) consoleFixture {
	t.Helper()
	ctx := context.Background()
	var f consoleFixture
	for _, s := range []struct {
		mode string
		id   *string
	}{{"all_users", &f.subA}, {"disabled", &f.subB}} {
		sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "Fleet " + s.mode, IdentityVerificationMode: s.mode})
		if err != nil {
			t.Fatal(err)
		}
		*s.id = sa.Id
	}
	add := func(sub, ext string) string {
		c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sub, ExternalId: ext})
		if err != nil {
			t.Fatal(err)
		}
		f.everyone = append(f.everyone, c.Id)
		return c.Id
	}
	for i := range 3 {
		f.stuck = append(f.stuck, add(f.subA, fmt.Sprintf("early-%d", i)))
	}
	f.verified, f.stuck = f.stuck[:1], f.stuck[1:]
	if _, err := e.identity.ManualVerify(ctx, &idgatev1.ManualVerifyRequest{Id: f.verified[0], Notes: "passport seen at the depot"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(8 * 24 * time.Hour)
	for i := range 2 {
		f.recent = append(f.recent, add(f.subA, fmt.Sprintf("recent-%d", i)))
	}
	for i := range 2 {
		f.inB = append(f.inB, add(f.subB, fmt.Sprintf("b-%d", i)))
	}
	return f
}

func ids(cs []*idgatev1.Customer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Id
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestListCustomers: the operators' customer list filters, sorts and pages, over gRPC and
// JSON, and a key scoped to one subaccount never lists another's customers.
func TestListCustomers(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			clk := &clock.Fake{}
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}), server.Options{Clock: clk})
			f := e.consoleFixture(t, clk)
			ctx := context.Background()
			list := func(t *testing.T, req *idgatev1.ListCustomersRequest) []string {
				t.Helper()
				resp, err := e.identity.ListCustomers(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				return ids(resp.Customers)
			}

			t.Run("filters", func(t *testing.T) {
				for _, c := range []struct {
					name string
					req  *idgatev1.ListCustomersRequest
					want []string
				}{
					{"stuck", &idgatev1.ListCustomersRequest{FlaggedBefore: timestamppb.New(clk.Now().Add(-7 * 24 * time.Hour))}, f.stuck},
					{"required", &idgatev1.ListCustomersRequest{IdentityVerificationRequired: proto.Bool(true)}, append(slices.Clone(f.stuck), f.recent...)},
					{"not required in A", &idgatev1.ListCustomersRequest{IdentityVerificationRequired: proto.Bool(false), SubaccountId: f.subA}, f.verified},
					{"verified", &idgatev1.ListCustomersRequest{IdentityStatus: "verified"}, f.verified},
					{"never attempted in B", &idgatev1.ListCustomersRequest{IdentityStatus: "none", SubaccountId: f.subB}, f.inB},
					{"by id", &idgatev1.ListCustomersRequest{Query: f.recent[1]}, f.recent[1:]},
					{"by external id", &idgatev1.ListCustomersRequest{Query: "early-2"}, f.stuck[1:]},
				} {
					if got := list(t, c.req); !sameSet(got, c.want) {
						t.Errorf("%s: got %v, want %v", c.name, got, c.want)
					}
				}
			})

			t.Run("order", func(t *testing.T) {
				got := list(t, &idgatev1.ListCustomersRequest{IdentityVerificationRequired: proto.Bool(true), OrderBy: "identity_verification_required_at"})
				if len(got) != 4 || !sameSet(got[:2], f.stuck) || !sameSet(got[2:], f.recent) {
					t.Errorf("by required_at: %v; want %v, then %v", got, f.stuck, f.recent)
				}
				newest := list(t, &idgatev1.ListCustomersRequest{PageSize: 1})
				if !slices.Equal(newest, f.inB[1:]) {
					t.Errorf("default order: first %v, want the newest %v", newest, f.inB[1:])
				}
			})

			t.Run("pages", func(t *testing.T) {
				var seen []string
				req := &idgatev1.ListCustomersRequest{PageSize: 2}
				for page := 0; ; page++ {
					if page > len(f.everyone) {
						t.Fatalf("still paging after %d pages: %v", page, seen)
					}
					resp, err := e.identity.ListCustomers(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					if len(resp.Customers) > 2 {
						t.Fatalf("page of %d with page_size 2", len(resp.Customers))
					}
					seen = append(seen, ids(resp.Customers)...)
					if page == 0 { // a customer created meanwhile neither shifts nor repeats a row
						if _, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: f.subB, ExternalId: "meanwhile"}); err != nil {
							t.Fatal(err)
						}
					}
					if resp.NextPageToken == "" {
						break
					}
					req.PageToken = resp.NextPageToken
				}
				if len(seen) != len(f.everyone) || !sameSet(seen, f.everyone) {
					t.Fatalf("pages of 2 gave %v, want each of %v once", seen, f.everyone)
				}
			})

			t.Run("pages over JSON", func(t *testing.T) {
				var seen []string
				token := ""
				for {
					var out struct {
						Customers []struct {
							ID string `json:"id"`
						} `json:"customers"`
						NextPageToken string `json:"next_page_token"`
					}
					q := url.Values{"identity_verification_required": {"true"}, "order_by": {"identity_verification_required_at desc"}, "page_size": {"1"}, "page_token": {token}}
					if code, _ := e.call("GET", "/v1/customers?"+q.Encode(), "", &out); code != 200 {
						t.Fatalf("GET /v1/customers: HTTP %d", code)
					}
					for _, c := range out.Customers {
						seen = append(seen, c.ID)
					}
					if token = out.NextPageToken; token == "" {
						break
					}
				}
				if want := append(slices.Clone(f.stuck), f.recent...); len(seen) != len(want) || !sameSet(seen, want) {
					t.Fatalf("JSON pages gave %v, want each of %v once", seen, want)
				}
			})

			t.Run("bad requests", func(t *testing.T) {
				first, err := e.identity.ListCustomers(ctx, &idgatev1.ListCustomersRequest{PageSize: 1})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					req   *idgatev1.ListCustomersRequest
					field string
				}{
					{&idgatev1.ListCustomersRequest{PageSize: 501}, "page_size"},
					{&idgatev1.ListCustomersRequest{PageSize: -1}, "page_size"},
					{&idgatev1.ListCustomersRequest{PageToken: "not a token"}, "page_token"},
					{&idgatev1.ListCustomersRequest{PageToken: "bm90fGF8dG9rZW4"}, "page_token"},
					// A token of one order is refused by another rather than skipping rows.
					{&idgatev1.ListCustomersRequest{PageToken: first.NextPageToken, OrderBy: "created_at"}, "page_token"},
					{&idgatev1.ListCustomersRequest{OrderBy: "email"}, "order_by"},
					{&idgatev1.ListCustomersRequest{IdentityStatus: "happy"}, "identity_status"},
				} {
					_, err := e.identity.ListCustomers(ctx, c.req)
					if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), c.field) {
						t.Errorf("%v: %v, want InvalidArgument naming %s", c.req, err, c.field)
					}
				}
			})

			t.Run("scoped key", func(t *testing.T) {
				scoped := idgatev1.NewIdentityServiceClient(dial(t, e.grpcAddr, e.newKey(t, "readonly", f.subB)))
				for _, req := range []*idgatev1.ListCustomersRequest{{}, {SubaccountId: f.subA}, {Query: f.stuck[0]}, {PageSize: 1}} {
					resp, err := scoped.ListCustomers(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					for _, c := range resp.Customers {
						if c.SubaccountId != f.subB {
							t.Fatalf("a key scoped to B lists %s of %s", c.Id, c.SubaccountId)
						}
					}
				}
				all, err := scoped.ListCustomers(ctx, &idgatev1.ListCustomersRequest{})
				if err != nil {
					t.Fatal(err)
				}
				for _, id := range f.inB {
					if !slices.Contains(ids(all.Customers), id) {
						t.Fatalf("a key scoped to B lists %v, missing B's %s", ids(all.Customers), id)
					}
				}
			})
		})
	}
}

// TestListSubaccounts: every subaccount once across pages; a scoped key lists its own only.
func TestListSubaccounts(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, nil))
			ctx := context.Background()
			var created []string
			for i := range 5 {
				sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: fmt.Sprintf("Fleet %d", i)})
				if err != nil {
					t.Fatal(err)
				}
				created = append(created, sa.Id)
			}
			pages := func(c idgatev1.RiskServiceClient) []string {
				var seen []string
				req := &idgatev1.ListSubaccountsRequest{PageSize: 2}
				for range len(created) + 1 {
					resp, err := c.ListSubaccounts(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					for _, sa := range resp.Subaccounts {
						seen = append(seen, sa.Id)
					}
					if req.PageToken = resp.NextPageToken; req.PageToken == "" {
						return seen
					}
				}
				t.Fatalf("still paging: %v", seen)
				return nil
			}
			if got := pages(e.risk); len(got) != len(created) || !sameSet(got, created) {
				t.Fatalf("admin pages: %v, want each of %v once", got, created)
			}
			scoped := idgatev1.NewRiskServiceClient(dial(t, e.grpcAddr, e.newKey(t, "operator", created[1], created[3])))
			if got := pages(scoped); !sameSet(got, []string{created[1], created[3]}) {
				t.Fatalf("scoped key lists %v, want only %v", got, []string{created[1], created[3]})
			}
			for _, req := range []*idgatev1.ListSubaccountsRequest{{PageSize: 501}, {PageToken: "%%%"}} {
				if _, err := e.risk.ListSubaccounts(ctx, req); status.Code(err) != codes.InvalidArgument {
					t.Errorf("%v: %v, want InvalidArgument", req, err)
				}
			}
		})
	}
}

// TestRetryWebhookEvent: an event that failed (Stripe down through its only attempt) is
// re-driven by an admin and ends processed, with its effect applied; other states and
// unknown ids are refused.
func TestRetryWebhookEvent(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			proxy := testenv.NewStripe(t)
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": proxy.URL, "IDGATE_WEBHOOK_MAX_ATTEMPTS": "1"}))
			_, cust, _ := e.newCustomer("all_users", 50, 5)
			vs := e.session(cust)
			// The handler reads the verified session back from Stripe: three 500s outlast the
			// client's two retries of the one attempt.
			proxy.Fail("/v1/identity/verification_sessions/"+vs, 3)
			id := fmt.Sprintf("evt_retry_%d", time.Now().UnixNano())
			payload := stripeEvent(id, "identity.verification_session.verified", "2023-10-16",
				fmt.Sprintf(`{"id":%q,"object":"identity.verification_session","status":"verified","metadata":{"customer_id":%q}}`, vs, cust))
			if code, body := e.deliver("/v1/webhooks/stripe", payload, sign(payload, secret, time.Now())); code != 200 {
				t.Fatalf("deliver: %d %s", code, body)
			}
			if st := e.waitState(id); st != "failed" || e.events()[id].LastError == "" {
				t.Fatalf("event with Stripe down ended %q (%+v), want failed with its error", st, e.events()[id])
			}
			if c := e.customer(cust); c.IdentityStatus != nil && *c.IdentityStatus == "verified" {
				t.Fatal("the failed event verified the customer")
			}

			var retried struct {
				State string `json:"state"`
			}
			if code, _ := e.call("POST", "/v1/webhook-events/"+id+":retry", `{}`, &retried); code != 200 || retried.State != "pending" {
				t.Fatalf("retry: HTTP %d, state %q; want 200, pending", code, retried.State)
			}
			if st := e.waitState(id); st != "processed" {
				t.Fatalf("retried event ended %q, want processed", st)
			}
			if c := e.customer(cust); c.IdentityStatus == nil || *c.IdentityStatus != "verified" {
				t.Fatalf("after the retry the customer is %v, want verified", c.IdentityStatus)
			}

			ctx := context.Background()
			if _, err := e.webhooks.RetryWebhookEvent(ctx, &idgatev1.RetryWebhookEventRequest{Id: id}); status.Code(err) != codes.FailedPrecondition {
				t.Errorf("retry of a processed event: %v, want FailedPrecondition", err)
			}
			if _, err := e.webhooks.RetryWebhookEvent(ctx, &idgatev1.RetryWebhookEventRequest{Id: "evt_never_seen"}); status.Code(err) != codes.NotFound {
				t.Errorf("retry of an unknown event: %v, want NotFound", err)
			}
		})
	}
}

// TestListMerchants: the merchants pipeline filters (next action, KYC status,
// charges_enabled, subaccount, tier) agree with GetMerchant, page without gaps, and a scoped key
// lists its own subaccount's merchants only.
func TestListMerchants(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}))
			ctx := context.Background()
			onb := idgatev1.NewConnectOnboardingServiceClient(e.conn)
			byID := map[string]*idgatev1.Merchant{}
			var subs []string
			for s, countries := range [][]string{{"US", "DE", "US", "DE", "US"}, {"US", "DE"}} {
				sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: fmt.Sprintf("Marketplace %d", s)})
				if err != nil {
					t.Fatal(err)
				}
				subs = append(subs, sa.Id)
				for i, c := range countries {
					m, err := onb.CreateMerchant(ctx, &idgatev1.CreateMerchantRequest{SubaccountId: sa.Id, ExternalId: fmt.Sprintf("seller-%d", i), Country: c, BusinessType: "individual"})
					if err != nil {
						t.Fatal(err)
					}
					if m, err = onb.GetMerchant(ctx, &idgatev1.GetMerchantRequest{Id: m.Id}); err != nil {
						t.Fatal(err)
					}
					byID[m.Id] = m
				}
			}
			where := func(keep func(m *idgatev1.Merchant) bool) []string {
				var out []string
				for id, m := range byID {
					if keep(m) {
						out = append(out, id)
					}
				}
				return out
			}
			pages := func(t *testing.T, c idgatev1.ConnectOnboardingServiceClient, req *idgatev1.ListMerchantsRequest) []string {
				t.Helper()
				var seen []string
				for range len(byID) + 2 {
					resp, err := c.ListMerchants(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range resp.Merchants {
						seen = append(seen, m.Id)
					}
					if req.PageToken = resp.NextPageToken; req.PageToken == "" {
						return seen
					}
				}
				t.Fatalf("still paging: %v", seen)
				return nil
			}
			actions := where(func(m *idgatev1.Merchant) bool { return m.NextAction == "start_database_kyc" })
			if len(actions) == 0 || len(actions) == len(byID) {
				t.Fatalf("fixture: %d of %d merchants start with database KYC; want some, not all", len(actions), len(byID))
			}
			for _, c := range []struct {
				name string
				req  *idgatev1.ListMerchantsRequest
				want []string
			}{
				{"all", &idgatev1.ListMerchantsRequest{PageSize: 2}, where(func(*idgatev1.Merchant) bool { return true })},
				{"next action", &idgatev1.ListMerchantsRequest{NextAction: "start_database_kyc", PageSize: 1}, actions},
				{"next action in A", &idgatev1.ListMerchantsRequest{NextAction: "start_database_kyc", SubaccountId: subs[0], PageSize: 2},
					where(func(m *idgatev1.Merchant) bool {
						return m.NextAction == "start_database_kyc" && m.SubaccountId == subs[0]
					})},
				{"no KYC decision", &idgatev1.ListMerchantsRequest{KycStatus: "none"}, where(func(m *idgatev1.Merchant) bool { return m.KycStatus == "" })},
				{"KYC verified", &idgatev1.ListMerchantsRequest{KycStatus: "verified"}, where(func(m *idgatev1.Merchant) bool { return m.KycStatus == "verified" })},
				{"charges disabled", &idgatev1.ListMerchantsRequest{ChargesEnabled: proto.Bool(false), PageSize: 3}, where(func(m *idgatev1.Merchant) bool { return !m.ChargesEnabled })},
				{"tier 3", &idgatev1.ListMerchantsRequest{Tier: 3, PageSize: 1}, where(func(m *idgatev1.Merchant) bool { return m.Tier == 3 })},
			} {
				if got := pages(t, onb, c.req); len(got) != len(c.want) || !sameSet(got, c.want) {
					t.Errorf("%s: %v, want each of %v once", c.name, got, c.want)
				}
			}
			scoped := idgatev1.NewConnectOnboardingServiceClient(dial(t, e.grpcAddr, e.newKey(t, "readonly", subs[1])))
			if got, want := pages(t, scoped, &idgatev1.ListMerchantsRequest{PageSize: 1}), where(func(m *idgatev1.Merchant) bool { return m.SubaccountId == subs[1] }); !sameSet(got, want) {
				t.Errorf("a key scoped to B lists %v, want B's %v", got, want)
			}
			if got := pages(t, scoped, &idgatev1.ListMerchantsRequest{SubaccountId: subs[0]}); len(got) != 0 {
				t.Errorf("a key scoped to B lists A's merchants %v", got)
			}
			for _, c := range []struct {
				req   *idgatev1.ListMerchantsRequest
				field string
			}{
				{&idgatev1.ListMerchantsRequest{PageSize: 501}, "page_size"},
				{&idgatev1.ListMerchantsRequest{PageToken: "x"}, "page_token"},
				{&idgatev1.ListMerchantsRequest{KycStatus: "approved"}, "kyc_status"},
				{&idgatev1.ListMerchantsRequest{Tier: 2}, "tier"},
			} {
				_, err := onb.ListMerchants(ctx, c.req)
				if status.Code(err) != codes.InvalidArgument || !strings.Contains(status.Convert(err).Message(), c.field) {
					t.Errorf("%v: %v, want InvalidArgument naming %s", c.req, err, c.field)
				}
			}
		})
	}
}

// TestPagesWithTheRealClock walks every order of ListCustomers one row a page with the real
// clock, whose times carry a monotonic reading: each customer comes exactly once. (SQLite
// once stored such times with their "m=+…" suffix, which sorts after the same instant in a
// page token, so ascending pages repeated their last row forever.)
func TestPagesWithTheRealClock(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			e := start(t, testConfig(t, db.URL, map[string]string{"STRIPE_API_BASE": testenv.Stripe(t)}), server.Options{})
			ctx := context.Background()
			sub, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "real clock", IdentityVerificationMode: "all_users"})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for i := range 4 {
				c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sub.Id, ExternalId: fmt.Sprintf("rider-%d", i)})
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, c.Id)
			}
			for _, order := range []string{"created_at", "created_at desc", "identity_verification_required_at", "identity_verification_required_at desc"} {
				var got []string
				req := &idgatev1.ListCustomersRequest{SubaccountId: sub.Id, OrderBy: order, PageSize: 1}
				for page := 0; page <= len(want); page++ {
					resp, err := e.identity.ListCustomers(ctx, req)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, ids(resp.Customers)...)
					if req.PageToken = resp.NextPageToken; req.PageToken == "" {
						break
					}
				}
				if len(got) != len(want) || !sameSet(got, want) {
					t.Errorf("order_by %q one a page: %v, want each of %v once", order, got, want)
				}
			}
		})
	}
}
