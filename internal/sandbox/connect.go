package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Stripe's test values for a person's identity: this date of birth, this id number or this
// document token fail verification; any other complete identity (name, date of birth, full
// or last-four SSN or id number, or a document such as file_identity_document_success)
// verifies.
const (
	failingDOBYear  = "1902"
	failingIDNumber = "111111111"
	failingDocument = "file_identity_document_failure"
)

func (s *Sandbox) connectRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /v1/accounts", s.createAccount)
	s.handle(mux, "GET /v1/accounts", func(c *call) (map[string]any, error) { return s.list(c, "account", nil), nil })
	s.handle(mux, "GET /v1/accounts/{account}", func(c *call) (map[string]any, error) {
		a, err := s.account(c)
		if err != nil {
			return nil, err
		}
		return copyOf(a.data), nil
	})
	s.handle(mux, "POST /v1/accounts/{account}", func(c *call) (map[string]any, error) {
		a, err := s.account(c)
		if err != nil {
			return nil, err
		}
		before := copyOf(a.data)
		for _, k := range []string{"business_profile", "company", "email", "business_type", "settings", "tos_acceptance"} {
			if v, ok := c.params[k]; ok {
				a.data[k] = mergeInto(a.data[k], v)
			}
		}
		if _, ok := c.params["metadata"]; ok {
			mergeMetadata(a.data, c.params)
		}
		s.settle(c, a, before)
		return copyOf(a.data), nil
	})
	s.handle(mux, "POST /v1/accounts/{account}/persons", func(c *call) (map[string]any, error) {
		a, err := s.account(c)
		if err != nil {
			return nil, err
		}
		before := copyOf(a.data)
		p := c.fixture
		for k, v := range map[string]any{
			"id": newID("person"), "object": "person", "account": a.data["id"], "created": s.clock.Now().Unix(), "metadata": map[string]any{},
			"first_name": nil, "last_name": nil, "email": nil, "phone": nil, "dob": map[string]any{"day": nil, "month": nil, "year": nil},
			"id_number_provided": false, "ssn_last_4_provided": false, "relationship": map[string]any{},
		} {
			p[k] = v
		}
		o := &object{account: a.account, data: p}
		setPerson(o, c.params)
		s.put(o)
		s.emit(c, "person.created", a.data["id"].(string), p, nil)
		s.settle(c, a, before)
		s.checkPerson(a, o)
		return copyOf(p), nil
	})
	s.handle(mux, "GET /v1/accounts/{account}/persons", func(c *call) (map[string]any, error) {
		a, err := s.account(c)
		if err != nil {
			return nil, err
		}
		return s.list(&call{r: c.r, params: c.params, account: a.account}, "person", func(p map[string]any) bool { return p["account"] == a.data["id"] }), nil
	})
	s.handle(mux, "GET /v1/accounts/{account}/persons/{person}", func(c *call) (map[string]any, error) {
		_, p, err := s.person(c)
		if err != nil {
			return nil, err
		}
		return copyOf(p.data), nil
	})
	s.handle(mux, "POST /v1/accounts/{account}/persons/{person}", func(c *call) (map[string]any, error) {
		a, p, err := s.person(c)
		if err != nil {
			return nil, err
		}
		before, beforePerson := copyOf(a.data), copyOf(p.data)
		setPerson(p, c.params)
		s.emit(c, "person.updated", a.data["id"].(string), p.data, beforePerson)
		s.settle(c, a, before)
		s.checkPerson(a, p)
		return copyOf(p.data), nil
	})
}

func (s *Sandbox) createAccount(c *call) (map[string]any, error) {
	a := c.fixture
	id := newID("acct")
	for k, v := range map[string]any{
		"id": id, "object": "account", "created": s.clock.Now().Unix(), "type": "custom", "metadata": map[string]any{},
		"charges_enabled": false, "payouts_enabled": false, "details_submitted": false, "capabilities": map[string]any{},
		"email": nil, "country": "US", "business_type": nil, "business_profile": map[string]any{}, "company": map[string]any{},
	} {
		a[k] = v
	}
	for _, k := range []string{"type", "country", "email", "business_type", "default_currency"} {
		if v, ok := c.params[k].(string); ok {
			a[k] = v
		}
	}
	for _, k := range []string{"business_profile", "company"} {
		if v, ok := c.params[k]; ok {
			a[k] = mergeInto(a[k], v)
		}
	}
	if caps, ok := c.params["capabilities"].(map[string]any); ok {
		for name, v := range caps {
			if m, _ := v.(map[string]any); m["requested"] == "true" {
				a["capabilities"].(map[string]any)[name] = "inactive"
			}
		}
	}
	mergeMetadata(a, c.params)
	// The account is the platform's connected account: it is stored as the platform's, and
	// its own objects (persons) are reached through its path.
	obj := &object{data: a}
	s.put(obj)
	s.requirements(obj)
	return copyOf(a), nil
}

// account is the path's connected account, if the platform owns it.
func (s *Sandbox) account(c *call) (*object, error) {
	id := c.r.PathValue("account")
	if c.account != "" && c.account != id {
		return nil, missing("account", id)
	}
	return s.get(&call{r: c.r, account: "", fixture: c.fixture}, "account", id)
}

func (s *Sandbox) person(c *call) (*object, *object, error) {
	a, err := s.account(c)
	if err != nil {
		return nil, nil, err
	}
	id := c.r.PathValue("person")
	p, err := s.get(&call{r: c.r, account: a.account, fixture: c.fixture}, "person", id)
	if err != nil || p.data["account"] != a.data["id"] {
		return nil, nil, missing("person", id)
	}
	return a, p, nil
}

// setPerson applies a person create or update, and works out the verification Stripe's
// check will end with; until then a complete identity is pending.
func setPerson(o *object, params map[string]any) {
	p := o.data
	for k, v := range params {
		switch k {
		case "id_number":
			p["id_number_provided"] = v != ""
			o.failingID = v == failingIDNumber
		case "ssn_last_4":
			p["ssn_last_4_provided"] = v != ""
		case "metadata":
			mergeMetadata(p, params)
		case "first_name", "last_name", "email", "phone", "dob", "address", "relationship", "verification", "nationality":
			p[k] = mergeInto(p[k], v)
		}
	}
	o.outcome = verification(p, o.failingID)
	v := copyOf(o.outcome)
	if v["status"] != "unverified" || v["details_code"] != nil {
		v["status"], v["details"], v["details_code"] = "pending", nil, nil // until checkPerson
	}
	p["verification"] = v
}

// checkPerson completes the person's pending check after s.check, as Stripe does seconds
// after the details arrive: person.updated with the outcome, then account.updated if the
// account changed. The caller holds s.mu.
func (s *Sandbox) checkPerson(a, o *object) {
	if o.data["verification"].(map[string]any)["status"] != "pending" {
		return
	}
	want := o.outcome
	done := func() {
		if !equalJSON(o.outcome, want) {
			return // changed again since: a later check answers
		}
		before, beforePerson := copyOf(a.data), copyOf(o.data)
		o.data["verification"] = copyOf(want)
		s.emit(nil, "person.updated", a.data["id"].(string), o.data, beforePerson)
		s.settle(nil, a, before)
	}
	if s.check == 0 {
		done()
		return
	}
	time.AfterFunc(s.check, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		done()
	})
}

// verification is a person's verification as Stripe's test mode decides it.
func verification(p map[string]any, failingID bool) map[string]any {
	dob, _ := p["dob"].(map[string]any)
	y, _ := number(dob["year"])
	year := strconv.FormatInt(y, 10)
	var doc, back string
	if v, _ := p["verification"].(map[string]any); v != nil {
		if d, _ := v["document"].(map[string]any); d != nil {
			doc, _ = d["front"].(string)
			back, _ = d["back"].(string)
		}
	}
	keyed := p["first_name"] != nil && p["last_name"] != nil && y != 0 && (p["id_number_provided"] == true || p["ssn_last_4_provided"] == true)
	v := map[string]any{"status": "unverified", "details": nil, "details_code": nil,
		"document": map[string]any{"front": nilIfEmpty(doc), "back": nilIfEmpty(back), "details": nil, "details_code": nil}}
	switch {
	case doc == failingDocument:
		v["details"], v["details_code"] = "The document could not be verified", "failed_keyed_identity"
		v["document"].(map[string]any)["details"] = "The document failed Stripe's test-mode check"
		v["document"].(map[string]any)["details_code"] = "document_failed_test_mode"
	case year == failingDOBYear || failingID:
		v["details"], v["details_code"] = "Provided identity information could not be verified", "failed_keyed_identity"
	case keyed || doc != "":
		v["status"] = "verified"
	}
	return v
}

// settle recomputes the account's requirements from its persons and sends account.updated
// when that changed what the account shows.
func (s *Sandbox) settle(c *call, a *object, before map[string]any) {
	s.requirements(a)
	if !equalJSON(a.data, before) {
		s.emit(c, "account.updated", a.data["id"].(string), a.data, before)
	}
}

// requirements is what a test account shows: charges and payouts enabled once a person is
// verified and none failed; until then the missing person details are currently due.
func (s *Sandbox) requirements(a *object) {
	id := a.data["id"].(string)
	var verified, failed []string
	for _, o := range s.objects {
		if o.data["object"] != "person" || o.data["account"] != id {
			continue
		}
		v, _ := o.data["verification"].(map[string]any)
		switch {
		case v["status"] == "verified":
			verified = append(verified, o.data["id"].(string))
		case v["details_code"] != nil:
			failed = append(failed, o.data["id"].(string))
		}
	}
	due, errs := []any{}, []any{}
	var disabled any
	if len(verified) == 0 || len(failed) > 0 {
		disabled = "requirements.past_due"
		if len(verified) == 0 && len(failed) == 0 {
			due = append(due, "representative.first_name", "representative.last_name", "representative.dob.day", "representative.dob.month", "representative.dob.year", "representative.ssn_last_4")
		}
		for _, p := range failed {
			due = append(due, p+".verification.document")
			errs = append(errs, map[string]any{"code": "verification_failed_keyed_identity", "reason": "The identity information you entered cannot be verified. Please correct any errors or upload a document that matches the identity fields (e.g., name and date of birth) that you entered.", "requirement": p + ".verification.document"})
		}
	}
	enabled := disabled == nil
	a.data["charges_enabled"], a.data["payouts_enabled"], a.data["details_submitted"] = enabled, enabled, enabled
	a.data["requirements"] = map[string]any{
		"currently_due": due, "eventually_due": due, "past_due": due, "pending_verification": []any{},
		"errors": errs, "disabled_reason": disabled, "current_deadline": nil, "alternatives": []any{},
	}
	caps, _ := a.data["capabilities"].(map[string]any)
	for name := range caps {
		if enabled {
			caps[name] = "active"
		} else {
			caps[name] = "inactive"
		}
	}
}

// mergeInto merges a decoded parameter into a stored value: maps key by key, anything else
// replaces, typed as the API answers it (booleans, and numbers for dates and ownership).
func mergeInto(stored, param any) any { return mergeKey("", stored, param) }

func mergeKey(key string, stored, param any) any {
	pm, ok := param.(map[string]any)
	if !ok {
		s, ok := param.(string)
		if !ok {
			return param
		}
		switch {
		case s == "true" || s == "false":
			return s == "true"
		case key == "day" || key == "month" || key == "year":
			if n, ok := number(s); ok {
				return n
			}
		case key == "percent_ownership":
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				return f
			}
		}
		return nilIfEmpty(s)
	}
	sm, _ := stored.(map[string]any)
	if sm == nil {
		sm = map[string]any{}
	}
	for k, v := range pm {
		sm[k] = mergeKey(k, sm[k], v)
	}
	return sm
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}
