package notify

import (
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Now()
	body := []byte(`{"id":"ntf_1","type":"identity_verified"}`)
	h := Sign("s3cret-s3cret-s3cret", now, body)
	for _, tc := range []struct {
		name   string
		secret string
		header string
		body   []byte
		at     time.Time
		ok     bool
	}{
		{"valid", "s3cret-s3cret-s3cret", h, body, now, true},
		{"other secret", "another-secret-xxxx", h, body, now, false},
		{"tampered body", "s3cret-s3cret-s3cret", h, []byte(`{"id":"ntf_2"}`), now, false},
		{"too old", "s3cret-s3cret-s3cret", h, body, now.Add(10 * time.Minute), false},
		{"garbage header", "s3cret-s3cret-s3cret", "t=x,v1=y", body, now, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Verify(tc.secret, tc.header, tc.body, 5*time.Minute, tc.at); got != tc.ok {
				t.Fatalf("Verify = %v, want %v", got, tc.ok)
			}
		})
	}
}
