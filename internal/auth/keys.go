package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/apikey"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/clock"
	"github.com/idgate/idgate/internal/store"
)

// Key is an API key's record, never the key itself.
type Key struct {
	ID          string
	Name        string
	Prefix      string
	Role        Role
	Subaccounts []string
	CreatedBy   string
	CreatedAt   time.Time
	LastUsedAt  *time.Time
	RevokedAt   *time.Time
}

// Keys manages and checks API keys.
type Keys struct {
	store *store.Store
	live  bool // keys are idg_live_... rather than idg_test_...
	log   *slog.Logger
	now   func() time.Time
	// sessionTTL is how long a console session lasts from sign-in (IDGATE_SESSION_TTL).
	sessionTTL time.Duration

	mu    sync.RWMutex
	cache map[string]cached // keys that work, by hash; as many as there are keys
	// unknown remembers, by hash, until when a key is known not to work: guesses,
	// revoked keys. Anyone can send those, so it is bounded by size as well as time.
	unknown *lru.Cache[string, time.Time]
}

type cached struct {
	actor   Actor
	expires time.Time
}

const (
	// cacheFor bounds how long a revoked key keeps working on a replica that saw it
	// recently, and how long a refused key stays refused without a database lookup.
	cacheFor = 5 * time.Second
	// unknownKeys is how many refused keys are remembered; beyond it, the least recently
	// seen is forgotten (and looked up again if it comes back).
	unknownKeys = 1000
)

// NewKeys returns the key service; live selects the idg_live_ prefix for new keys, clk is
// the time cached answers and sessions expire by, and sessionTTL how long a console
// session lasts.
func NewKeys(st *store.Store, live bool, clk clock.Clock, sessionTTL time.Duration, log *slog.Logger) *Keys {
	unknown, _ := lru.New[string, time.Time](unknownKeys) // only a size below 1 fails
	return &Keys{store: st, live: live, log: log, now: clk.Now, sessionTTL: sessionTTL, cache: map[string]cached{}, unknown: unknown}
}

// UnknownCached is how many refused keys are remembered now (at most 1,000).
func (k *Keys) UnknownCached() int { return k.unknown.Len() }

var keyEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// Hash is how a key is stored and looked up.
func Hash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func (k *Keys) newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	mode := "test"
	if k.live {
		mode = "live"
	}
	return "idg_" + mode + "_" + keyEncoding.EncodeToString(b[:])
}

// NewKey is what an administrator supplies.
type NewKey struct {
	Name        string
	Role        string
	Subaccounts []string
}

// Create makes a key and returns it with its secret, which is not stored and cannot be
// shown again.
func (k *Keys) Create(ctx context.Context, n NewKey) (Key, string, error) {
	role := Role(n.Role)
	switch {
	case strings.TrimSpace(n.Name) == "" || len(n.Name) > 100:
		return Key{}, "", apperr.Invalid("name", "is required, at most 100 characters")
	case !validRole(role):
		return Key{}, "", apperr.Invalid("role", "must be admin, operator, service or readonly")
	case role == RoleAdmin && len(n.Subaccounts) > 0:
		return Key{}, "", apperr.Invalid("subaccount_ids", "must be empty for an admin key, which sees every subaccount")
	case role != RoleAdmin && len(n.Subaccounts) == 0:
		return Key{}, "", apperr.Invalid("subaccount_ids", "name at least one subaccount for a %s key", role)
	}
	for _, id := range n.Subaccounts {
		if ok, err := k.store.Ent.Subaccount.Get(ctx, id); err != nil || ok == nil {
			return Key{}, "", apperr.Invalid("subaccount_ids", "subaccount %s does not exist", id)
		}
	}
	secret := k.newSecret()
	row, err := k.store.Ent.APIKey.Create().SetID(store.NewID("key")).SetName(strings.TrimSpace(n.Name)).
		SetPrefix(secret[:13]).SetHash(Hash(secret)).SetRole(apikey.Role(role)).SetSubaccountIds(n.Subaccounts).
		SetCreatedBy(ActorFrom(ctx).ID).Save(ctx)
	if err != nil {
		return Key{}, "", store.MapError(err, "api key")
	}
	return fromRow(row), secret, nil
}

// List returns every key, newest first.
func (k *Keys) List(ctx context.Context) ([]Key, error) {
	rows, err := k.store.Reader.APIKey.Query().Order(ent.Desc(apikey.FieldCreatedAt)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = fromRow(r)
	}
	return out, nil
}

// Revoke stops a key from working (within cacheFor on other replicas).
func (k *Keys) Revoke(ctx context.Context, id string) (Key, error) {
	row, err := k.store.Ent.APIKey.Get(ctx, id)
	if err != nil {
		return Key{}, store.MapError(err, "api key "+id)
	}
	if row.RevokedAt == nil {
		if row, err = row.Update().SetRevokedAt(k.now().UTC()).Save(ctx); err != nil {
			return Key{}, err
		}
		k.forgetWhere(func(a Actor) bool { return a.ID == id }) // the key and its sessions
	}
	return fromRow(row), nil
}

// Authenticate returns the actor of a bearer key or console session token: the one place
// credentials are checked. Unknown, revoked and malformed keys are all the same
// Unauthenticated error, so a caller learns nothing about which it was; so are expired and
// revoked sessions and those whose key was revoked, with a message the console shows.
func (k *Keys) Authenticate(ctx context.Context, key string) (Actor, error) {
	session := strings.HasPrefix(key, sessionPrefix)
	refused := &apperr.Error{Kind: apperr.KindUnauthenticated, Msg: "missing or invalid API key: send Authorization: Bearer idg_..."}
	if session {
		refused = &apperr.Error{Kind: apperr.KindUnauthenticated, Msg: "session expired: sign in again"}
	}
	h := Hash(key)
	now := k.now()
	k.mu.RLock()
	c, hit := k.cache[h]
	k.mu.RUnlock()
	if hit && now.Before(c.expires) {
		return c.actor, nil
	}
	if until, ok := k.unknown.Get(h); ok && now.Before(until) {
		return Actor{}, refused
	}
	var err error
	if session {
		c, err = k.lookupSession(ctx, h, now)
	} else {
		c, err = k.lookupKey(ctx, h, now)
	}
	switch {
	case errors.Is(err, errRefused):
		k.forget(h)
		k.unknown.Add(h, now.Add(cacheFor))
		return Actor{}, refused
	case err != nil:
		return Actor{}, apperr.Unavailable(err, "cannot check credentials now; try again")
	}
	k.mu.Lock()
	k.cache[h] = c
	k.mu.Unlock()
	return c.actor, nil
}

var errRefused = errors.New("refused")

func (k *Keys) lookupKey(ctx context.Context, hash string, now time.Time) (cached, error) {
	row, err := k.store.Reader.APIKey.Query().Where(apikey.Hash(hash)).Only(ctx)
	switch {
	case ent.IsNotFound(err) || err == nil && row.RevokedAt != nil:
		return cached{}, errRefused
	case err != nil:
		return cached{}, err
	}
	k.touch(row)
	return cached{expires: now.Add(cacheFor), actor: keyActor(row)}, nil
}

func keyActor(row *ent.APIKey) Actor {
	a := Actor{Type: "api_key", ID: row.ID, Name: row.Name, Role: Role(row.Role), Subaccounts: row.SubaccountIds}
	if row.Role == apikey.RoleAdmin {
		a.Subaccounts = nil
	}
	return a
}

// touch records last use at most once a minute, off the request path.
func (k *Keys) touch(row *ent.APIKey) {
	now := k.now().UTC()
	if row.LastUsedAt != nil && now.Sub(*row.LastUsedAt) < time.Minute {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(WithActor(context.Background(), System), 5*time.Second)
		defer cancel()
		if err := k.store.Ent.APIKey.UpdateOneID(row.ID).SetLastUsedAt(now).Exec(ctx); err != nil {
			k.log.Warn("record api key use", "key_id", row.ID, "err", err)
		}
	}()
}

func (k *Keys) forget(hash string) {
	k.mu.Lock()
	delete(k.cache, hash)
	k.mu.Unlock()
}

// forgetWhere drops the cached credentials whose actor matches.
func (k *Keys) forgetWhere(match func(Actor) bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for h, c := range k.cache {
		if match(c.actor) {
			delete(k.cache, h)
		}
	}
}

// EnsureBootstrap makes key the admin key named "bootstrap", revoking an earlier bootstrap
// key with another value: changing IDGATE_BOOTSTRAP_API_KEY rotates it.
func (k *Keys) EnsureBootstrap(ctx context.Context, key string) error {
	if len(key) < 32 {
		return fmt.Errorf("IDGATE_BOOTSTRAP_API_KEY must be at least 32 characters")
	}
	h := Hash(key)
	ctx = WithActor(ctx, System)
	err := k.store.InTx(ctx, func(tx store.Tx) error {
		if _, err := tx.APIKey.Update().
			Where(apikey.Name("bootstrap"), apikey.HashNEQ(h), apikey.RevokedAtIsNil()).
			SetRevokedAt(k.now().UTC()).Save(ctx); err != nil {
			return err
		}
		exists, err := tx.APIKey.Query().Where(apikey.Hash(h)).Exist(ctx)
		if err != nil || exists {
			return err
		}
		prefix := key
		if len(prefix) > 13 {
			prefix = prefix[:13]
		}
		return tx.APIKey.Create().SetID(store.NewID("key")).SetName("bootstrap").SetPrefix(prefix).
			SetHash(h).SetRole(apikey.RoleAdmin).SetCreatedBy("IDGATE_BOOTSTRAP_API_KEY").Exec(ctx)
	})
	if ent.IsConstraintError(err) {
		return nil // replicas starting together: another one inserted the same key
	}
	return err
}

func validRole(r Role) bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

func fromRow(r *ent.APIKey) Key {
	return Key{
		ID: r.ID, Name: r.Name, Prefix: r.Prefix, Role: Role(r.Role), Subaccounts: r.SubaccountIds,
		CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt,
	}
}
