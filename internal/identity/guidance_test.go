package identity

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// stripeErrorCodes are the values of Stripe Identity's verification_session.last_error.code
// in Stripe's current API reference.
var stripeErrorCodes = []string{
	"abandoned", "consent_declined", "country_not_supported", "device_not_supported", "document_expired",
	"document_type_not_supported", "document_unverified_other", "email_unverified_other", "email_verification_declined",
	"id_number_insufficient_document_data", "id_number_mismatch", "id_number_unverified_other", "phone_unverified_other",
	"phone_verification_declined", "selfie_document_missing_photo", "selfie_face_mismatch", "selfie_manipulated",
	"selfie_unverified_other", "under_supported_age",
}

// TestEveryErrorCodeHasADecision is the table over all 19 codes: what the rider is told
// and asked to do at the gate (on the standard path and on the document-only alternative),
// whether a retry is offered and uses an attempt, and the operator's next step.
func TestEveryErrorCodeHasADecision(t *testing.T) {
	t.Parallel()
	if got := slices.Sorted(maps.Keys(errorOutcomes)); !slices.Equal(got, stripeErrorCodes) {
		t.Fatalf("the outcome table decides %v, want exactly Stripe's codes %v", got, stripeErrorCodes)
	}
	type want struct {
		retry      bool
		action     string // the gate's required_action on the standard path
		altAction  string // ... on the document_only path
		operator   string
		mentioning string // words the rider's message must hold on the document_only path
	}
	wants := map[string]want{
		"abandoned":                            {true, "retry_verification", "retry_verification", OperatorNone, "finished"},
		"consent_declined":                     {false, "start_verification", "start_document_verification", OperatorFollowAlternative, "without a selfie"},
		"country_not_supported":                {false, "wait_for_review", "wait_for_review", OperatorVerifyManually, "country"},
		"device_not_supported":                 {false, "start_verification", "start_document_verification", OperatorFollowAlternative, "without a selfie"},
		"document_expired":                     {true, "retry_verification", "retry_verification", OperatorNone, "expired"},
		"document_type_not_supported":          {true, "retry_verification", "retry_verification", OperatorNone, "passport"},
		"document_unverified_other":            {true, "retry_verification", "retry_verification", OperatorNone, "glare"},
		"email_unverified_other":               {true, "retry_verification", "retry_verification", OperatorCheckDetails, "email"},
		"email_verification_declined":          {true, "retry_verification", "retry_verification", OperatorNone, "code"},
		"id_number_insufficient_document_data": {true, "retry_verification", "retry_verification", OperatorNone, "ID number"},
		"id_number_mismatch":                   {true, "retry_verification", "retry_verification", OperatorCheckDetails, "date of birth"},
		"id_number_unverified_other":           {true, "retry_verification", "retry_verification", OperatorNone, "ID number"},
		"phone_unverified_other":               {true, "retry_verification", "retry_verification", OperatorCheckDetails, "phone"},
		"phone_verification_declined":          {true, "retry_verification", "retry_verification", OperatorNone, "code"},
		"selfie_document_missing_photo":        {true, "retry_verification", "retry_verification", OperatorNone, "different ID"},
		"selfie_face_mismatch":                 {true, "retry_verification", "retry_verification", OperatorNone, "selfie"},
		"selfie_manipulated":                   {true, "retry_verification", "retry_verification", OperatorReviewFraud, "live selfie"},
		"selfie_unverified_other":              {true, "retry_verification", "retry_verification", OperatorNone, "selfie"},
		"under_supported_age":                  {false, "wait_for_review", "wait_for_review", OperatorCheckAge, "old enough"},
	}
	guidance := map[string]string{}
	for _, code := range stripeErrorCodes {
		w, ok := wants[code]
		if !ok {
			t.Fatalf("no expectation for %s", code)
		}
		t.Run(code, func(t *testing.T) {
			o := OutcomeOf(code)
			if o.Retry != w.retry || o.Operator != w.operator || o.BurnsAttempt() != w.retry {
				t.Errorf("outcome %+v (burns an attempt: %v), want retry=%v operator=%s", o, o.BurnsAttempt(), w.retry, w.operator)
			}
			if o.Guidance == unknownOutcome.Guidance {
				t.Error("the generic guidance: the code needs its own")
			}
			if prev, dup := guidance[o.Guidance]; dup {
				t.Errorf("same guidance as %s", prev)
			}
			guidance[o.Guidance] = code
			for _, tc := range []struct {
				path   Path
				action string
			}{{PathStandard, w.action}, {PathDocumentOnly, w.altAction}} {
				d := Decide(true, ptr(StatusRequiresInput), code, tc.path)
				if d.Allowed || d.RequiredAction != tc.action || d.RetryAllowed != w.retry || d.OperatorAction != w.operator || d.Message == "" {
					t.Errorf("gate on the %q path: %+v, want action %s, retry %v, operator %s", tc.path, d, tc.action, w.retry, w.operator)
				}
				if tc.path == PathDocumentOnly && !strings.Contains(d.Message, w.mentioning) {
					t.Errorf("gate message %q does not mention %q", d.Message, w.mentioning)
				}
			}
		})
	}
}

// A code Stripe adds later gets the safe default: the generic guidance, a retry bounded by
// the attempts, and an operator who investigates; it is known as unknown (and counted).
func TestUnknownErrorCode(t *testing.T) {
	t.Parallel()
	o := OutcomeOf("selfie_too_blurry_from_the_future")
	if o != unknownOutcome || !o.Retry || !o.BurnsAttempt() || o.Operator != OperatorInvestigate || KnownErrorCode("selfie_too_blurry_from_the_future") {
		t.Fatalf("unknown code: %+v", o)
	}
	if d := Decide(true, ptr(StatusRequiresInput), "selfie_too_blurry_from_the_future", PathStandard); d.RequiredAction != "retry_verification" || d.Message != unknownOutcome.Guidance {
		t.Fatalf("gate for an unknown code: %+v", d)
	}
}

// Only outcomes that can be retried use an attempt; a session moving between such
// outcomes gives it back or takes it again, once.
func TestAttemptDelta(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		prev, code string
		want       int
	}{
		{"", "selfie_face_mismatch", 0},
		{"", "under_supported_age", -1},
		{"", "consent_declined", -1},
		{"country_not_supported", "country_not_supported", 0},
		{"consent_declined", "document_expired", 1},
		{"document_expired", "", 0},
	} {
		if got := attemptDelta(tc.prev, tc.code); got != tc.want {
			t.Errorf("%q → %q: %d, want %d", tc.prev, tc.code, got, tc.want)
		}
	}
}

// The gate tells a rider on each path what to do.
func TestGateOnEachPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		status *string
		code   string
		path   Path
		action string
	}{
		{"declined before any session, document-only", nil, "", PathDocumentOnly, "start_document_verification"},
		{"declined before any session, id_number", nil, "", PathIDNumber, "start_id_number_verification"},
		{"declined before any session, review", nil, "", PathManualReview, "wait_for_review"},
		{"an alternative session pending", ptr(StatusPending), "", PathDocumentOnly, "wait_for_verification"},
		{"an alternative session back with an error", ptr(StatusRequiresInput), "document_expired", PathDocumentOnly, "retry_verification"},
		{"document differs from the platform's details", ptr(StatusPending), "", PathManualReview, "wait_for_review"},
		{"review rejected", ptr(StatusFailed), "", PathManualReview, "contact_support"},
		{"canceled on id_number", ptr(StatusCanceled), "", PathIDNumber, "start_id_number_verification"},
	} {
		d := Decide(true, tc.status, tc.code, tc.path)
		if d.Allowed || d.RequiredAction != tc.action || d.Message == "" {
			t.Errorf("%s: %+v, want %s", tc.name, d, tc.action)
		}
	}
	if d := Decide(true, ptr(StatusVerified), "", PathManualReview); !d.Allowed {
		t.Errorf("a verified customer on the review path is refused: %+v", d)
	}
}

// Nothing decides about an error code but the table: no other Go file of the service spells
// one of Stripe's codes (the two exceptions name a code for another purpose).
func TestNoErrorCodeOutsideTheTable(t *testing.T) {
	t.Parallel()
	allowed := map[string]string{
		"internal/identity/guidance.go": "the table",
		"internal/identity/path.go":     "the review reason consent_declined",
		"internal/identity/simulate.go": "the code :simulate sends when none is given",
		"internal/sandbox/identity.go":  "the local Stripe sends the code, as Stripe does; idgate decides nothing there",
	}
	codes := map[string]bool{}
	for _, c := range stripeErrorCodes {
		codes[c] = true
	}
	root := filepath.Join("..", "..")
	scanned := 0
	for _, dir := range []string{"internal", "server"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			scanned++
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if v, err := strconv.Unquote(lit.Value); err == nil && codes[v] && allowed[filepath.ToSlash(rel)] == "" {
						t.Errorf("%s spells the error code %q: decide it in the outcome table (OutcomeOf)", rel, v)
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if scanned < 50 {
		t.Fatalf("scanned %d files: is the walk rooted at the repository?", scanned)
	}
}
