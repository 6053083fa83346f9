package store

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/idgate/idgate/internal/apperr"
)

// PageSize is the page size a list request asked for: 50 when unset, at most 500.
func PageSize(n int) (int, error) {
	switch {
	case n == 0:
		return 50, nil
	case n < 0 || n > 500:
		return 0, apperr.Invalid("page_size", "must be between 1 and 500")
	}
	return n, nil
}

// Keyset is a position in a list ordered by one column (a time, nulls last) and then by id,
// in the same direction: the last row of the page before. Order names the list's ordering,
// so that a token from one ordering is refused by another.
type Keyset struct {
	Order string
	At    *time.Time // nil: the row's column is null
	ID    string
}

// Token is k as an opaque next_page_token.
func (k Keyset) Token() string {
	at := "-"
	if k.At != nil {
		at = strconv.FormatInt(k.At.UnixNano(), 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(k.Order + "|" + at + "|" + k.ID))
}

// ParseKeyset reads a page_token of a list in order; "" is the first page (nil).
func ParseKeyset(order, token string) (*Keyset, error) {
	if token == "" {
		return nil, nil
	}
	bad := apperr.Invalid("page_token", "is not a token from a previous response with this order_by")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	parts := strings.SplitN(string(b), "|", 3)
	if len(parts) != 3 || parts[0] != order || parts[2] == "" {
		return nil, bad
	}
	k := &Keyset{Order: order, ID: parts[2]}
	if parts[1] != "-" {
		ns, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return nil, bad
		}
		at := time.Unix(0, ns).UTC()
		k.At = &at
	}
	return k, nil
}

// After is the predicate of the rows after k in the order column (nulls last), id, both
// descending when desc. Use it with Ordered for the same column.
func (k *Keyset) After(column string, desc bool) func(*sql.Selector) {
	return func(s *sql.Selector) {
		cmp := sql.GT
		if desc {
			cmp = sql.LT
		}
		col, idAfter := s.C(column), cmp(s.C("id"), k.ID)
		if k.At == nil {
			s.Where(sql.And(sql.IsNull(col), idAfter))
			return
		}
		s.Where(sql.Or(cmp(col, *k.At), sql.And(sql.EQ(col, *k.At), idAfter), sql.IsNull(col)))
	}
}

// Ordered orders a query by column (nulls last) then id, descending when desc.
func Ordered(column string, desc bool) []func(*sql.Selector) {
	opts := []sql.OrderTermOption{sql.OrderNullsLast()}
	idOpts := []sql.OrderTermOption{}
	if desc {
		opts, idOpts = append(opts, sql.OrderDesc()), append(idOpts, sql.OrderDesc())
	}
	return []func(*sql.Selector){sql.OrderByField(column, opts...).ToFunc(), sql.OrderByField("id", idOpts...).ToFunc()}
}

// Cut trims rows, read with Limit(size+1), to one page and returns the next page's token
// ("" on the last page), made from the page's last row by key.
func Cut[T any](rows []T, size int, key func(T) Keyset) ([]T, string) {
	if len(rows) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, key(rows[size-1]).Token()
}
