// Package notify is idgate's outbox of notifications to customers and merchants: a
// notification is written in the same transaction as the change it announces, and a job
// delivers it to the platform's endpoint, signed, retrying until it is accepted.
package notify

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/notification"
	"github.com/idgate/idgate/internal/jobs"
	"github.com/idgate/idgate/internal/store"
)

// Message is a notification's type and text.
type Message struct {
	Type, Title, Body string
}

// The texts of seed 004 (and the retry guidance of seed 003).
func Required(appName string) Message {
	return Message{"identity_required", "Identity Verification Required", "Please verify your identity to continue using " + appName}
}

// Verified announces a successful verification.
func Verified() Message {
	return Message{"identity_verified", "Identity Verified", "Your identity has been verified. You're all set to ride!"}
}

// Cleared announces that an operator cleared the requirement.
func Cleared() Message {
	return Message{"requirement_cleared", "Good to Go!", "Your account has been verified and you can now ride."}
}

// RequiresInput tells the customer what to do after a failed attempt.
func RequiresInput(guidance string) Message {
	return Message{"identity_requires_input", "Identity Verification Needs Another Try", guidance}
}

// UnderReview tells the customer that an operator verifies them another way.
func UnderReview(body string) Message {
	return Message{"identity_under_review", "Identity Verification Under Review", body}
}

// Subject is whom a notification is for.
type Subject struct {
	Type notification.SubjectType
	ID   string
}

// Customer is a customer subject.
func Customer(id string) Subject { return Subject{notification.SubjectTypeCustomer, id} }

// Merchant is a merchant subject.
func Merchant(id string) Subject { return Subject{notification.SubjectTypeMerchant, id} }

// Outbox adds notifications inside a caller's transaction.
type Outbox struct{ jobs jobs.Inserter }

// NewOutbox returns an Outbox that enqueues deliveries on q.
func NewOutbox(q jobs.Inserter) *Outbox { return &Outbox{jobs: q} }

// Add stores m for the subject and enqueues its delivery, both in tx. The title and body
// are stored and sent as they are: they must not carry personal data.
func (o *Outbox) Add(ctx context.Context, tx store.Tx, subaccountID string, to Subject, m Message) error {
	id := store.NewID("ntf")
	c := tx.Notification.Create().SetID(id).SetSubaccountID(subaccountID).SetSubjectType(to.Type).
		SetType(m.Type).SetTitle(m.Title).SetBody(m.Body)
	switch to.Type {
	case notification.SubjectTypeCustomer:
		c.SetCustomerID(to.ID)
	case notification.SubjectTypeMerchant:
		c.SetMerchantID(to.ID)
	default:
		return fmt.Errorf("notification subject type %q", to.Type)
	}
	if err := c.Exec(ctx); err != nil {
		return fmt.Errorf("store notification: %w", err)
	}
	if _, err := o.jobs.InsertTx(ctx, tx.SQL, DeliverArgs{NotificationID: id}, nil); err != nil {
		return fmt.Errorf("enqueue notification: %w", err)
	}
	return nil
}

// DeliverArgs is the job that delivers one notification.
type DeliverArgs struct {
	NotificationID string `json:"notification_id"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "notification" }

// Sink is where notifications go: an HTTP endpoint of the platform and the secret that
// signs each body. With no URL, notifications are logged (ids and type only).
type Sink struct {
	URL    string
	Secret string
}

// Deliverer works DeliverArgs jobs.
type Deliverer struct {
	river.WorkerDefaults[DeliverArgs]
	store  *store.Store
	sink   Sink
	client *http.Client
	log    *slog.Logger
}

// NewDeliverer returns the notification worker.
func NewDeliverer(st *store.Store, sink Sink, log *slog.Logger) *Deliverer {
	return &Deliverer{store: st, sink: sink, client: &http.Client{Timeout: 10 * time.Second}, log: log}
}

// Payload is the JSON body POSTed to the sink.
type Payload struct {
	// ID is the notification's: the same in every delivery of it (a retry, or a repeat
	// after a replica died before recording the delivery), so the platform de-duplicates
	// on it. IDHeader carries it too.
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	SubaccountID string    `json:"subaccount_id"`
	SubjectType  string    `json:"subject_type"` // customer or merchant
	CustomerID   string    `json:"customer_id,omitempty"`
	MerchantID   string    `json:"merchant_id,omitempty"`
	Title        string    `json:"title"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
const SignatureHeader = "Idgate-Signature"

// IDHeader carries the notification's id (Payload.ID).
const IDHeader = "Idgate-Notification-Id"

// Work delivers one notification. A non-2xx answer or a network error is returned, so the
// queue retries with backoff; the attempt is recorded on the notification. Delivery is at
// least once: a replica that dies after the platform accepted but before recording it
// delivers again, under the same id.
func (d *Deliverer) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	n, err := d.store.Ent.Notification.Get(ctx, job.Args.NotificationID)
	if err != nil {
		return store.MapError(err, "notification "+job.Args.NotificationID)
	}
	if n.DeliveredAt != nil {
		return nil
	}
	if d.sink.URL == "" {
		d.log.Info("notification (no sink configured)", "notification_id", n.ID, "type", n.Type, "subject_type", n.SubjectType, "subject_id", n.CustomerID+n.MerchantID)
		return d.record(ctx, n, nil)
	}
	body, err := json.Marshal(Payload{ID: n.ID, Type: n.Type, SubaccountID: n.SubaccountID, SubjectType: string(n.SubjectType),
		CustomerID: n.CustomerID, MerchantID: n.MerchantID, Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt.UTC()})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.sink.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(IDHeader, n.ID)
	req.Header.Set(SignatureHeader, Sign(d.sink.Secret, time.Now(), body))
	resp, err := d.client.Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			err = fmt.Errorf("notification sink answered HTTP %d", resp.StatusCode)
		}
	}
	if rerr := d.record(ctx, n, err); rerr != nil {
		d.log.Error("record notification attempt", "notification_id", n.ID, "err", rerr)
		// Delivered but not recorded: deliver again (the same id) rather than leave the
		// notification undelivered for good.
		return cmp.Or(err, rerr)
	}
	return err
}

func (d *Deliverer) record(ctx context.Context, n *ent.Notification, deliveryErr error) error {
	u := d.store.Ent.Notification.UpdateOne(n).AddAttempts(1)
	if deliveryErr != nil {
		u.SetLastError(deliveryErr.Error())
	} else {
		u.SetDeliveredAt(time.Now().UTC()).SetLastError("")
	}
	return u.Exec(ctx)
}

// Sign returns the signature header value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

// Verify checks a signature header against body, accepting timestamps within tolerance;
// platforms receiving notifications do the same.
func Verify(secret, header string, body []byte, tolerance time.Duration, now time.Time) bool {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > tolerance {
		return false
	}
	return hmac.Equal([]byte(sig), []byte(mac(secret, ts, body)))
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
