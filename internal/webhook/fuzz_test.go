package webhook_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	stripewebhook "github.com/stripe/stripe-go/v76/webhook"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/testenv"
	"github.com/idgate/idgate/internal/webhook"
)

// FuzzReceive feeds arbitrary bodies to the intake, signed and unsigned. Whatever the bytes,
// it never panics, never stores an unsigned body, and either stores a signed body's event
// byte for byte or refuses it as invalid input.
func FuzzReceive(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"charge.succeeded","created":1700000000,"data":{"object":{}}}`), true)
	f.Add([]byte(`{"id":"evt_2","type":"x","created":"soon"}`), true)
	f.Add([]byte(`{"id":"","type":""}`), true)
	f.Add([]byte(`not json`), true)
	f.Add([]byte(`{"id":"evt_3","type":"a.b","data":{"object":null}}`), false)
	db := testenv.DB{Dialect: "sqlite", URL: "sqlite:" + f.TempDir() + "/fuzz.db"}
	fx := newFixture(f, db, 1, nil)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		sig := "t=1,v1=00"
		if signed {
			sig = stripewebhook.GenerateTestSignedPayload(&stripewebhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()}).Header
		}
		r, err := fx.intake.Receive(context.Background(), webhook.EndpointPlatform, body, sig)
		if err != nil {
			if apperr.KindOf(err) != apperr.KindInvalid {
				t.Fatalf("error of kind %v, want invalid input: %v", apperr.KindOf(err), err)
			}
			return
		}
		if !signed {
			t.Fatal("an unsigned body was accepted")
		}
		row, err := fx.store.Ent.StripeEvent.Get(context.Background(), r.EventID)
		if err != nil {
			t.Fatalf("accepted event %q not stored: %v", r.EventID, err)
		}
		if !r.Duplicate && !bytes.Equal(row.Payload, body) {
			t.Fatal("stored payload differs from the signed bytes")
		}
	})
}
