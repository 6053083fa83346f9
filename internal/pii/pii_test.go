package pii

import (
	"errors"
	"strings"
	"testing"
)

const (
	keyA = "a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	keyB = "b:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA="
)

func TestSealOpenRotate(t *testing.T) {
	old, err := Parse(keyA)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := old.Seal("1990-04-01", "cust_1", "identity_dob")
	if err != nil || strings.Contains(sealed, "1990") || !strings.HasPrefix(sealed, "v1.a.") {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if again, _ := old.Seal("1990-04-01", "cust_1", "identity_dob"); again == sealed {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	rotated, err := Parse(keyB + "," + keyA)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed, "cust_1", "identity_dob"); err != nil || got != "1990-04-01" {
		t.Fatalf("an old key no longer decrypts: %q %v", got, err)
	}
	if resealed, _ := rotated.Seal("x", "cust_1", "identity_dob"); !strings.HasPrefix(resealed, "v1.b.") {
		t.Fatalf("new values use %q, want the first key b", resealed)
	}
	for name, open := range map[string]func() (string, error){
		"another row":     func() (string, error) { return old.Open(sealed, "cust_2", "identity_dob") },
		"another field":   func() (string, error) { return old.Open(sealed, "cust_1", "phone") },
		"tampered":        func() (string, error) { return old.Open(sealed[:len(sealed)-2]+"AA", "cust_1", "identity_dob") },
		"key not present": func() (string, error) { c, _ := Parse(keyB); return c.Open(sealed, "cust_1", "identity_dob") },
	} {
		if _, err := open(); !errors.Is(err, ErrUnreadable) {
			t.Errorf("%s: %v, want ErrUnreadable", name, err)
		}
	}
	if s, err := old.Seal("", "cust_1", "phone"); s != "" || err != nil {
		t.Fatal("an empty value must stay empty")
	}
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{"", "nokey", "a:short", "a b:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", keyA + "," + keyA} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted", spec)
		}
	}
}
