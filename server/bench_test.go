package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/timestamppb"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// load runs b.N calls of op spread over `concurrency` goroutines and reports throughput
// (req/s) and the 99th-percentile latency (p99_ms).
func load(b *testing.B, concurrency int, op func(i int) error) {
	b.Helper()
	var next atomic.Int64
	lat := make([][]time.Duration, concurrency)
	var wg sync.WaitGroup
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for w := range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				t0 := time.Now()
				if err := op(i); err != nil {
					failed.Store(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99_ms")
}

// BenchmarkWebhookIntake posts distinct signed events through the JSON gateway, as Stripe
// does, with 16 and 64 concurrent senders, on each database. Jobs run meanwhile, as in
// production.
func BenchmarkWebhookIntake(b *testing.B) {
	for _, db := range testenv.Databases(b) {
		e := start(b, testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error", "IDGATE_JOB_POLL_INTERVAL": "200ms"}))
		for _, senders := range []int{16, 64} {
			b.Run(fmt.Sprintf("%s/senders=%d", db.Dialect, senders), func(b *testing.B) {
				bodies := make([][]byte, b.N)
				sigs := make([]string, b.N)
				run := time.Now().UnixNano()
				for i := range b.N {
					bodies[i] = stripeEvent(fmt.Sprintf("evt_bench_%d_%d", run, i), "charge.succeeded", "2023-10-16", `{"id":"ch_1","object":"charge","customer":"cus_1","outcome":{"risk_level":"normal","risk_score":12}}`)
					sigs[i] = sign(bodies[i], secret, time.Now())
				}
				client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
				load(b, senders, func(i int) error {
					req, _ := http.NewRequest("POST", e.base+"/v1/webhooks/stripe", bytes.NewReader(bodies[i]))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Stripe-Signature", sigs[i])
					resp, err := client.Do(req)
					if err != nil {
						return err
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						return fmt.Errorf("HTTP %d", resp.StatusCode)
					}
					return nil
				})
			})
		}
	}
}

func netListen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// bareIdentity is the floor: grpc-go answering GetCustomer with a fixed message, with no
// interceptors and no database.
type bareIdentity struct {
	idgatev1.UnimplementedIdentityServiceServer
	c *idgatev1.Customer
}

func (s bareIdentity) GetCustomer(context.Context, *idgatev1.GetCustomerRequest) (*idgatev1.Customer, error) {
	return s.c, nil
}

// BenchmarkGetCustomer compares idgate's GetCustomer over gRPC (interceptors, SQLite read)
// with the bare grpc-go floor, at 64 concurrent callers, in the same run. bench.sh prints
// the ratio.
func BenchmarkGetCustomer(b *testing.B) {
	db := testenv.Databases(b)[0] // SQLite: the embedded default
	e := start(b, testConfig(b, db.URL, map[string]string{"IDGATE_LOG_LEVEL": "error"}))
	ctx := context.Background()
	sa, err := e.risk.CreateSubaccount(ctx, &idgatev1.CreateSubaccountRequest{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := e.identity.CreateCustomer(ctx, &idgatev1.CreateCustomerRequest{SubaccountId: sa.Id, ExternalId: "rider", StripeCustomerId: "cus_bench", Email: "rider@example.com", Phone: "+14155550123"})
	if err != nil {
		b.Fatal(err)
	}

	lis, err := netListen()
	if err != nil {
		b.Fatal(err)
	}
	bare := grpc.NewServer()
	idgatev1.RegisterIdentityServiceServer(bare, bareIdentity{c: &idgatev1.Customer{
		Id: c.Id, SubaccountId: c.SubaccountId, ExternalId: c.ExternalId, StripeCustomerId: c.StripeCustomerId,
		Email: c.Email, Phone: c.Phone, CreatedAt: timestamppb.Now(), UpdatedAt: timestamppb.Now(),
	}})
	go bare.Serve(lis) //nolint:errcheck // stopped below
	defer bare.Stop()
	bareConn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer bareConn.Close()

	for _, target := range []struct {
		name   string
		client idgatev1.IdentityServiceClient
	}{
		{"floor", idgatev1.NewIdentityServiceClient(bareConn)},
		{"idgate", e.identity},
	} {
		b.Run(target.name, func(b *testing.B) {
			req := &idgatev1.GetCustomerRequest{Id: c.Id}
			load(b, 64, func(int) error {
				_, err := target.client.GetCustomer(ctx, req)
				return err
			})
		})
	}
}
