// Package kyc holds the database-KYC providers that check a person's identity data against
// official and commercial records (tiers 1 and 2 of merchant onboarding), behind one
// interface: adding a provider means implementing Provider and registering it.
package kyc

import (
	"context"
	"fmt"
	"sort"
)

// Request is what a provider checks. NationalID is the SSN's last four digits at tier 1 and
// the full number at tier 2; it is never logged or stored by this package.
type Request struct {
	// Reference identifies the check on our side (the ledger's check id): providers that
	// accept a client reference receive it, so a retried request is recognisable.
	Reference  string
	Country    string // ISO 3166-1 alpha-2
	FirstName  string
	LastName   string
	DOB        Date
	Address    Address
	NationalID string
	// Business is set for KYB (companies): the business is checked with its representative.
	Business *Business
	// The merchant's Connect account and the person idgate created in it, if any:
	// providers that verify through Stripe submit the data there. Individual says the
	// person is the account's owner (business_type individual).
	ConnectAccount, ConnectPerson string
	Individual                    bool
}

// Business is a company's registration data for KYB. TaxID is the US EIN, 9 digits; like
// NationalID it is never logged or stored by this package.
type Business struct {
	LegalName string
	TaxID     string
}

// Date is a date of birth.
type Date struct{ Year, Month, Day int }

// Address is a postal address.
type Address struct {
	Line1, City, State, PostalCode string
}

// Outcomes of a check.
const (
	Match   = "match"
	NoMatch = "no_match"
	// Pending: the provider answers later (Stripe Connect's own verification reports
	// through person.updated); the caller completes the check when it does.
	Pending = "pending"
)

// Result is a provider's answer.
type Result struct {
	Outcome       string
	Fields        map[string]string // field name -> match, nomatch, missing
	TransactionID string
	// ConnectPerson is the Connect account's person the provider submitted the data to.
	ConnectPerson string
}

// Unbilled is a provider's error after which no check is billed and the attempt may be
// made again under the same reference: the provider did not perform it (an outage through
// every retry, refused credentials, a request it refused or never received), or it
// recognises the repeat (Stripe's idempotency keys). Any other error from Verify may
// follow a performed, billed check. Setting, when set, names the configuration an
// operator must fix: the provider refused idgate's credentials.
type Unbilled struct {
	Err     error // what the caller is told
	Setting string
}

func (e *Unbilled) Error() string { return e.Err.Error() }
func (e *Unbilled) Unwrap() error { return e.Err }

// Provider checks identity data.
type Provider interface {
	Name() string
	Verify(ctx context.Context, r Request) (Result, error)
}

// Registry holds the configured providers by name.
type Registry struct{ providers map[string]Provider }

// NewRegistry returns a registry of ps.
func NewRegistry(ps ...Provider) *Registry {
	r := &Registry{providers: map[string]Provider{}}
	for _, p := range ps {
		r.providers[p.Name()] = p
	}
	return r
}

// Get returns the named provider.
func (r *Registry) Get(name string) (Provider, error) {
	p, ok := r.providers[name]
	if !ok {
		names := make([]string, 0, len(r.providers))
		for n := range r.providers {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no KYC provider %q is configured (have %v)", name, names)
	}
	return p, nil
}
