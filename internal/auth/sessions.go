package auth

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/idgate/idgate/ent"
	"github.com/idgate/idgate/ent/operatorsession"
	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/store"
)

// sessionPrefix starts every console session token, so Authenticate knows which it holds.
const sessionPrefix = "idg_sess_"

// Session is a console sign-in's record, never its token. It acts as the key it was
// signed in with: its name (the person), role and subaccounts.
type Session struct {
	ID          string
	KeyID       string
	Name        string
	Role        Role
	Subaccounts []string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	RevokedAt   *time.Time
}

func denied(msg string) error { return &apperr.Error{Kind: apperr.KindPermissionDenied, Msg: msg} }

// CreateSession signs the caller's API key in to the console and returns the session
// with its token, which is not stored and cannot be shown again. Service keys are not
// people and cannot sign in; a session cannot start another (it would outlive itself).
func (k *Keys) CreateSession(ctx context.Context) (Session, string, error) {
	a := ActorFrom(ctx)
	switch {
	case a.Type != "api_key" || a.ID == "":
		return Session{}, "", denied("sign in with your own API key")
	case a.Session != "":
		return Session{}, "", denied("a session cannot start another session: sign in with your API key")
	case a.Role == RoleService:
		return Session{}, "", denied("service keys cannot sign in to the console")
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := sessionPrefix + keyEncoding.EncodeToString(b[:])
	now := k.now().UTC()
	row, err := k.store.Ent.OperatorSession.Create().SetID(store.NewID("ses")).SetAPIKeyID(a.ID).
		SetTokenHash(Hash(token)).SetCreatedAt(now).SetExpiresAt(now.Add(k.sessionTTL)).Save(ctx)
	if err != nil {
		return Session{}, "", store.MapError(err, "session")
	}
	return sessionOf(row, a), token, nil
}

// CurrentSession returns the caller's session.
func (k *Keys) CurrentSession(ctx context.Context) (Session, error) {
	a := ActorFrom(ctx)
	if a.Session == "" {
		return Session{}, apperr.NotFound("not signed in with a session")
	}
	row, err := k.store.Reader.OperatorSession.Get(ctx, a.Session)
	if err != nil {
		return Session{}, store.MapError(err, "session "+a.Session)
	}
	return sessionOf(row, a), nil
}

// RevokeCurrentSession signs the caller out: the token stops working at once on this
// replica, and within the credential cache's few seconds on the others.
func (k *Keys) RevokeCurrentSession(ctx context.Context) (Session, error) {
	a := ActorFrom(ctx)
	if a.Session == "" {
		return Session{}, apperr.NotFound("not signed in with a session")
	}
	row, err := k.store.Ent.OperatorSession.Get(ctx, a.Session)
	if err != nil {
		return Session{}, store.MapError(err, "session "+a.Session)
	}
	if row.RevokedAt == nil {
		if row, err = row.Update().SetRevokedAt(k.now().UTC()).Save(ctx); err != nil {
			return Session{}, err
		}
	}
	k.forgetWhere(func(c Actor) bool { return c.Session == a.Session })
	return sessionOf(row, a), nil
}

// lookupSession is Authenticate's answer for a session token: the actor of its key, until
// the session expires or is revoked, or the key is.
func (k *Keys) lookupSession(ctx context.Context, hash string, now time.Time) (cached, error) {
	row, err := k.store.Reader.OperatorSession.Query().Where(operatorsession.TokenHash(hash)).WithKey().Only(ctx)
	switch {
	case ent.IsNotFound(err):
		return cached{}, errRefused
	case err != nil:
		return cached{}, err
	case row.RevokedAt != nil || !now.Before(row.ExpiresAt) || row.Edges.Key.RevokedAt != nil:
		return cached{}, errRefused
	}
	k.touch(row.Edges.Key)
	a := keyActor(row.Edges.Key)
	a.Session = row.ID
	expires := now.Add(cacheFor)
	if row.ExpiresAt.Before(expires) {
		expires = row.ExpiresAt
	}
	return cached{expires: expires, actor: a}, nil
}

func sessionOf(row *ent.OperatorSession, a Actor) Session {
	return Session{
		ID: row.ID, KeyID: row.APIKeyID, Name: a.Name, Role: a.Role, Subaccounts: a.Subaccounts,
		CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt, RevokedAt: row.RevokedAt,
	}
}
