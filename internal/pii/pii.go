// Package pii encrypts personal data at rest: AES-256-GCM under a data key from
// configuration, with the key's id stored beside each value so that keys rotate (old keys
// still decrypt; a job re-encrypts under the new one). Each value is bound to its row and
// field, so ciphertexts cannot be swapped between customers.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Cipher seals and opens values.
type Cipher struct {
	current string
	keys    map[string]cipher.AEAD
}

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// Parse reads "kid:base64key[,kid:base64key...]": 32-byte keys, the first one current.
func Parse(spec string) (*Cipher, error) {
	c := &Cipher{keys: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(spec, ",") {
		kid, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || !kidPattern.MatchString(kid) {
			return nil, fmt.Errorf("data key %d: write it as <id>:<base64 of 32 random bytes>, the id in letters, digits, - or _", i+1)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("data key %q: must be 32 random bytes, base64 (openssl rand -base64 32)", kid)
		}
		block, _ := aes.NewCipher(raw)
		aead, _ := cipher.NewGCM(block)
		if _, dup := c.keys[kid]; dup {
			return nil, fmt.Errorf("data key id %q appears twice", kid)
		}
		c.keys[kid] = aead
		if i == 0 {
			c.current = kid
		}
	}
	return c, nil
}

// LoadOrCreate returns the key file's cipher, creating the file with a new random key when
// it does not exist: the embedded development default, never production.
func LoadOrCreate(path string) (c *Cipher, created bool, err error) {
	if b, err := os.ReadFile(path); err == nil {
		c, err := Parse(strings.TrimSpace(string(b)))
		return c, false, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	spec := "local:" + base64.StdEncoding.EncodeToString(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	if err := os.WriteFile(path, []byte(spec+"\n"), 0o600); err != nil {
		return nil, false, err
	}
	c, err = Parse(spec)
	return c, true, err
}

// Current is the id of the key new values are sealed with.
func (c *Cipher) Current() string { return c.current }

const version = "v1"

// Seal encrypts plain for the given row and field. The empty string stays empty, so that
// "not known" needs no key.
func (c *Cipher) Seal(plain, row, field string) (string, error) {
	if plain == "" {
		return "", nil
	}
	aead := c.keys[c.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := aead.Seal(nonce, nonce, []byte(plain), aad(row, field))
	return version + "." + c.current + "." + base64.RawStdEncoding.EncodeToString(ct), nil
}

// ErrUnreadable means a value cannot be decrypted: its key is not configured, or it was
// altered or moved.
var ErrUnreadable = errors.New("encrypted value cannot be read with the configured data keys")

// Open decrypts a sealed value of row's field.
func (c *Cipher) Open(sealed, row, field string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	kid, ok := KeyID(sealed)
	aead := c.keys[kid]
	if !ok || aead == nil {
		return "", fmt.Errorf("%w (key %q)", ErrUnreadable, kid)
	}
	ct, err := base64.RawStdEncoding.DecodeString(sealed[len(version)+len(kid)+2:])
	if err != nil || len(ct) < aead.NonceSize() {
		return "", ErrUnreadable
	}
	plain, err := aead.Open(nil, ct[:aead.NonceSize()], ct[aead.NonceSize():], aad(row, field))
	if err != nil {
		return "", ErrUnreadable
	}
	return string(plain), nil
}

// KeyID returns the id of the key that sealed a value.
func KeyID(sealed string) (string, bool) {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != version {
		return "", false
	}
	return parts[1], true
}

func aad(row, field string) []byte { return []byte(row + "\x00" + field) }
