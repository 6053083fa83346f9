package onboarding_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/onboarding"
	"github.com/idgate/idgate/internal/pii"
	"github.com/idgate/idgate/internal/store"
	"github.com/idgate/idgate/internal/stripe"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/internal/webhook"
)

// pushService is the onboarding service over db and the Stripe proxy, with subaccount sub_1.
func pushService(t *testing.T, db testenv.DB) (context.Context, *store.Store, *testenv.StripeProxy, *onboarding.Service) {
	t.Helper()
	ctx := testenv.System(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st := testenv.Store(t, db)
	proxy := testenv.NewStripe(t)
	cipher, err := pii.Parse("a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if err != nil {
		t.Fatal(err)
	}
	svc := onboarding.NewService(st, cipher, stripe.New(stripe.Config{APIBase: proxy.URL}, log), nil, nil, nil, log)
	if err := st.Ent.Subaccount.Create().SetID("sub_1").SetName("market").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, st, proxy, svc
}

// TestPushNeverResubmitsARejectedDocument pushes a tier-3 merchant's person with Stripe's
// test document (test mode, a report without files); a person.updated then reports the
// document rejected, and the next push (an update of the same person) goes without it.
func TestPushNeverResubmitsARejectedDocument(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx, st, proxy, svc := pushService(t, db)
			if err := st.Ent.Merchant.Create().SetID("mer_au").SetSubaccountID("sub_1").SetExternalID("au-1").SetCountry("AU").
				SetBusinessType("individual").SetRoute(onboarding.RouteDocumentLiveness).SetStripeAccountID("acct_au").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			proxy.SetReportFiles("vs_au") // a report without document images: the test token stands in
			args := onboarding.PushPersonArgs{MerchantID: "mer_au", Tier: 3, SessionID: "vs_au"}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("first push: %v", err)
			}
			created := proxy.Requests(http.MethodPost, "/v1/accounts/acct_au/persons")
			if len(created) != 1 || created[0].Status != http.StatusOK || created[0].Form.Get("verification[document][front]") != stripe.TestDocumentFile ||
				created[0].Form.Get("relationship[representative]") != "true" {
				t.Fatalf("person create: %+v", created)
			}

			person := `{"id":"person_au","object":"person","account":"acct_au","verification":{"status":"unverified","details_code":null,` +
				`"document":{"front":"` + stripe.TestDocumentFile + `","back":null,"details_code":"document_failed_test_mode"}}}`
			if err := svc.HandlePerson(ctx, webhook.Event{ID: "evt_p", Type: "person.updated", Account: "acct_au", Created: time.Now(), Object: []byte(person)}); err != nil {
				t.Fatal(err)
			}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("second push: %v", err)
			}
			if again := proxy.Requests(http.MethodPost, "/v1/accounts/acct_au/persons"); len(again) != 1 {
				t.Fatalf("the second push created another person: %+v", again)
			}
			var updates []testenv.StripeRequest
			for _, r := range proxy.Requests(http.MethodPost, "") {
				if strings.HasPrefix(r.Path, "/v1/accounts/acct_au/persons/") {
					updates = append(updates, r)
				}
			}
			if len(updates) != 1 || updates[0].Status != http.StatusOK {
				t.Fatalf("person updates: %+v", updates)
			}
			if f := updates[0].Form.Get("verification[document][front]"); f != "" {
				t.Fatalf("the rejected file %q was attached again", f)
			}
		})
	}
}

// TestPushCopiesTheVerifiedDocument follows a verified session's document images from the
// platform's Files API into the connected account: each downloaded and uploaded once with
// purpose identity_document and the account's Stripe-Account header, even when the person
// call fails and the job runs again; both copies attached to the person; a copy Stripe
// rejects never attached again, the merchant asked for a new document, and the next
// session's images attached instead.
func TestPushCopiesTheVerifiedDocument(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx, st, proxy, svc := pushService(t, db)
			if err := st.Ent.Merchant.Create().SetID("mer_de").SetSubaccountID("sub_1").SetExternalID("de-1").SetCountry("DE").
				SetBusinessType("individual").SetRoute(onboarding.RouteDocumentLiveness).SetStripeAccountID("acct_de").
				SetKycStatus(onboarding.KYCVerified).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			front, back := []byte("\x89PNG\r\n\x1a\nfront of the card"), []byte("\x89PNG\r\n\x1a\nback of the card")
			proxy.SetReportFiles("vs_de1", "file_front1", "file_back1")
			proxy.SetFileContents("file_front1", front)
			proxy.SetFileContents("file_back1", back)
			args := onboarding.PushPersonArgs{MerchantID: "mer_de", Tier: 3, SessionID: "vs_de1"}

			// Stripe fails the person call (stripe-go does not retry a POST's 500): the job
			// fails after the uploads, and its retry must reuse them.
			proxy.Fail("/v1/accounts/acct_de/persons", 1)
			if err := svc.PushPerson(ctx, args); err == nil {
				t.Fatal("the push succeeded while Stripe failed the person call")
			}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("retried push: %v", err)
			}
			downloads := proxy.Requests(http.MethodGet, "/contents")
			if len(downloads) != 2 || downloads[0].Path != "/v1/files/file_front1/contents" || downloads[1].Path != "/v1/files/file_back1/contents" ||
				downloads[0].Account != "" || downloads[0].Status != http.StatusOK {
				t.Fatalf("downloads (platform files, no Stripe-Account): %+v", downloads)
			}
			uploads := proxy.Requests(http.MethodPost, "/v1/files")
			if len(uploads) != 2 {
				t.Fatalf("%d uploads, want one per image however often the job runs", len(uploads))
			}
			for i, want := range [][]byte{front, back} {
				u := uploads[i]
				if u.Status != http.StatusOK || u.Account != "acct_de" || u.Form.Get("purpose") != "identity_document" ||
					!bytes.Equal(u.Upload, want) || !strings.HasSuffix(u.UploadName, ".png") || u.IdempotencyKey == "" {
					t.Fatalf("upload %d: status %d account %q purpose %q name %q key %q, %d bytes", i, u.Status, u.Account,
						u.Form.Get("purpose"), u.UploadName, u.IdempotencyKey, len(u.Upload))
				}
			}
			row, err := st.Ent.Merchant.Get(ctx, "mer_de")
			if err != nil {
				t.Fatal(err)
			}
			frontCopy, backCopy := row.DocumentUploads["file_front1"], row.DocumentUploads["file_back1"]
			if !strings.HasPrefix(frontCopy, "file_") || !strings.HasPrefix(backCopy, "file_") || frontCopy == backCopy {
				t.Fatalf("recorded copies: %v", row.DocumentUploads)
			}
			creates := proxy.Requests(http.MethodPost, "/v1/accounts/acct_de/persons")
			if len(creates) != 2 || creates[0].Status != http.StatusInternalServerError {
				t.Fatalf("person creates: %+v", creates)
			}
			last := creates[1]
			if last.Status != http.StatusOK || last.Form.Get("verification[document][front]") != frontCopy || last.Form.Get("verification[document][back]") != backCopy {
				t.Fatalf("person create: %+v (want front %s, back %s)", last, frontCopy, backCopy)
			}

			if _, err := svc.RecordBiometricConsent(ctx, "mer_de", onboarding.Consent{Granted: true, IPAddress: "192.0.2.1", UserAgent: "test"}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.StartDocumentVerification(ctx, "mer_de", ""); err == nil {
				t.Fatal("a verified merchant whose document stands started another session")
			}

			// Stripe rejects the document: the merchant is asked for a new one, and pushing
			// the same session again attaches nothing and uploads nothing.
			person := `{"id":"person_de","object":"person","account":"acct_de","verification":{"status":"unverified","details_code":null,` +
				`"document":{"front":"` + frontCopy + `","back":"` + backCopy + `","details_code":"document_fraudulent"}}}`
			if err := svc.HandlePerson(ctx, webhook.Event{ID: "evt_p", Type: "person.updated", Account: "acct_de", Created: time.Now(), Object: []byte(person)}); err != nil {
				t.Fatal(err)
			}
			m, err := svc.GetMerchant(ctx, "mer_de")
			if err != nil {
				t.Fatal(err)
			}
			if !m.DocumentRejected || m.NextAction != onboarding.ActionDocument {
				t.Fatalf("after the rejection: document rejected %v, next action %q", m.DocumentRejected, m.NextAction)
			}
			if sess, err := svc.StartDocumentVerification(ctx, "mer_de", ""); err != nil || sess.ID == "" {
				t.Fatalf("a new document session after the rejection: %+v %v", sess, err)
			}
			if err := svc.PushPerson(ctx, args); err != nil {
				t.Fatalf("push after the rejection: %v", err)
			}
			updates := personUpdates(proxy, "acct_de")
			if len(updates) != 1 || updates[0].Status != http.StatusOK || updates[0].Form.Get("verification[document][front]") != "" ||
				updates[0].Form.Get("verification[document][back]") != "" {
				t.Fatalf("person update after the rejection: %+v", updates)
			}
			if n := len(proxy.Requests(http.MethodPost, "/v1/files")); n != 2 {
				t.Fatalf("the rejected document was uploaded again (%d uploads)", n)
			}

			// A new session verifies another document: its images are copied and attached.
			proxy.SetReportFiles("vs_de2", "file_front2", "file_back2")
			if err := svc.PushPerson(ctx, onboarding.PushPersonArgs{MerchantID: "mer_de", Tier: 3, SessionID: "vs_de2"}); err != nil {
				t.Fatalf("push of the second session: %v", err)
			}
			uploads = proxy.Requests(http.MethodPost, "/v1/files")
			updates = personUpdates(proxy, "acct_de")
			if len(uploads) != 4 || len(updates) != 2 {
				t.Fatalf("second session: %d uploads, %d updates", len(uploads), len(updates))
			}
			newFront := updates[1].Form.Get("verification[document][front]")
			if newFront == "" || newFront == frontCopy || updates[1].Form.Get("verification[document][back]") == backCopy || updates[1].IdempotencyKey == updates[0].IdempotencyKey {
				t.Fatalf("second session's update: %+v", updates[1])
			}
			if m, err = svc.GetMerchant(ctx, "mer_de"); err != nil || m.DocumentRejected || m.NextAction == onboarding.ActionDocument {
				t.Fatalf("after the new document: %+v, %v", m, err)
			}
		})
	}
}

func personUpdates(proxy *testenv.StripeProxy, account string) []testenv.StripeRequest {
	var out []testenv.StripeRequest
	for _, r := range proxy.Requests(http.MethodPost, "") {
		if strings.HasPrefix(r.Path, "/v1/accounts/"+account+"/persons/") {
			out = append(out, r)
		}
	}
	return out
}

// TestPushWithoutADocumentItCannotCopy: an image Stripe will not hand over as a document (here
// over the size limit) does not hold the person back: it is pushed without a document, and
// nothing is uploaded.
func TestPushWithoutADocumentItCannotCopy(t *testing.T) {
	for _, db := range testenv.Databases(t) {
		t.Run(db.Dialect, func(t *testing.T) {
			ctx, st, proxy, svc := pushService(t, db)
			if err := st.Ent.Merchant.Create().SetID("mer_gb").SetSubaccountID("sub_1").SetExternalID("gb-1").SetCountry("GB").
				SetBusinessType("individual").SetRoute(onboarding.RouteDocumentLiveness).SetStripeAccountID("acct_gb").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			proxy.SetReportFiles("vs_gb", "file_huge")
			proxy.SetFileContents("file_huge", bytes.Repeat([]byte{1}, stripe.MaxDocumentBytes+1))
			if err := svc.PushPerson(ctx, onboarding.PushPersonArgs{MerchantID: "mer_gb", Tier: 3, SessionID: "vs_gb"}); err != nil {
				t.Fatalf("push: %v", err)
			}
			created := proxy.Requests(http.MethodPost, "/v1/accounts/acct_gb/persons")
			if len(created) != 1 || created[0].Status != http.StatusOK || created[0].Form.Get("verification[document][front]") != "" {
				t.Fatalf("person create: %+v", created)
			}
			if n := len(proxy.Requests(http.MethodPost, "/v1/files")); n != 0 {
				t.Fatalf("%d uploads of a file over the limit", n)
			}
		})
	}
}
