package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	idgatev1 "github.com/idgate/idgate/gen/idgate/v1"
	"github.com/idgate/idgate/internal/testenv"
)

// selfSigned writes a certificate for localhost and 127.0.0.1 and its key.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS serves both listeners over TLS: gRPC clients and JSON clients (whose calls the
// gateway forwards over TLS to our own gRPC port) both work, and plaintext is refused.
// One dialect: TLS is the listeners' concern and does not depend on the database.
func TestTLS(t *testing.T) {
	db := testenv.Databases(t)[0]
	certFile, keyFile, pool := selfSigned(t)
	cfg := testConfig(t, db.URL, map[string]string{"IDGATE_TLS_CERT_FILE": certFile, "IDGATE_TLS_KEY_FILE": keyFile})
	// start's own client is plaintext; this test dials its own.
	e := start(t, cfg)
	tlsConf := &tls.Config{RootCAs: pool, ServerName: "localhost"}

	conn, err := grpc.NewClient(e.grpcAddr, grpc.WithTransportCredentials(credentials.NewTLS(tlsConf)), grpc.WithPerRPCCredentials(bearerKey(adminKey)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sa, err := idgatev1.NewRiskServiceClient(conn).CreateSubaccount(context.Background(), &idgatev1.CreateSubaccountRequest{Name: "tls"})
	if err != nil {
		t.Fatalf("gRPC over TLS: %v", err)
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf}}
	req, _ := http.NewRequest("GET", "https://"+e.base[len("http://"):]+"/v1/subaccounts/"+sa.Id, nil)
	req.Header.Set("Authorization", "Bearer "+adminKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("JSON over TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("JSON over TLS through the gateway: HTTP %d", resp.StatusCode)
	}

	plain, err := grpc.NewClient(e.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := idgatev1.NewRiskServiceClient(plain).GetSubaccount(ctx, &idgatev1.GetSubaccountRequest{Id: sa.Id}); status.Code(err) != codes.Unavailable && status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("plaintext gRPC to a TLS port: %v", err)
	}
}
