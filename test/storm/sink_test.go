//go:build storm

package storm

import (
	"encoding/json"
	"hash/fnv"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/idgate/idgate/internal/notify"
)

const (
	notifySecret = "storm-notify-secret-0123456789"
	// idHeader is the notification's id as a header, beside the body's "id" (issue 10).
	idHeader = "Idgate-Notification-Id"
)

// sink is the platform's notification endpoint. It answers 500 to the first delivery of
// about one notification in ten (chosen by a hash of its id) and accepts everything else.
type sink struct {
	URL string

	mu       sync.Mutex
	received map[string][]received // by the body's id
	injected int                   // first deliveries refused on purpose
	badSig   int
	noID     int // deliveries whose body has no id
}

type received struct {
	payload  notify.Payload
	headerID string
	accepted bool
}

func newSink(t *testing.T) *sink {
	s := &sink{received: map[string][]received{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if !notify.Verify(notifySecret, r.Header.Get(notify.SignatureHeader), body, 5*time.Minute, time.Now()) {
			s.badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.Payload
		if json.Unmarshal(body, &p) != nil || p.ID == "" {
			s.noID++
			http.Error(w, "no id", http.StatusBadRequest)
			return
		}
		rec := received{payload: p, headerID: r.Header.Get(idHeader)}
		if len(s.received[p.ID]) == 0 && failFirst(p.ID) {
			s.injected++
			s.received[p.ID] = append(s.received[p.ID], rec)
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		rec.accepted = true
		s.received[p.ID] = append(s.received[p.ID], rec)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// failFirst picks about 10% of notification ids.
func failFirst(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%10 == 0
}

// snapshot returns what the sink received, by notification id.
func (s *sink) snapshot() map[string][]received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]received, len(s.received))
	for id, rs := range s.received {
		out[id] = append([]received(nil), rs...)
	}
	return out
}
