package server

import (
	"context"
	"slices"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/idgate/idgate/internal/apperr"
	"github.com/idgate/idgate/internal/audit"
	"github.com/idgate/idgate/internal/auth"
	"github.com/idgate/idgate/internal/limit"
)

var (
	all      = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleService, auth.RoleReadonly}
	admin    = []auth.Role{auth.RoleAdmin}
	service  = []auth.Role{auth.RoleAdmin, auth.RoleService}
	operator = []auth.Role{auth.RoleAdmin, auth.RoleOperator}
	backend  = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleService}
	people   = []auth.Role{auth.RoleAdmin, auth.RoleOperator, auth.RoleReadonly}
)

// public methods need no API key: health checks, and Stripe's webhooks, which the Stripe
// signature authenticates.
var public = []string{
	"/grpc.health.v1.Health/Check",
	"/grpc.health.v1.Health/Watch",
	"/grpc.health.v1.Health/List",
	"/idgate.v1.WebhookService/HandleStripeWebhook",
	"/idgate.v1.WebhookService/HandleStripeConnectWebhook",
}

// methodRoles is the one table of who may call what. A method in neither this table nor
// public is refused, and a test fails until it is listed.
var methodRoles = map[string][]auth.Role{
	"/idgate.v1.IdentityService/CreateCustomer":                      service,
	"/idgate.v1.IdentityService/GetCustomer":                         all,
	"/idgate.v1.IdentityService/ListCustomers":                       all,
	"/idgate.v1.IdentityService/CreateVerificationSession":           service,
	"/idgate.v1.IdentityService/CheckAccess":                         all,
	"/idgate.v1.IdentityService/RecordCustomerBiometricConsent":      service,
	"/idgate.v1.IdentityService/ClearRequirement":                    operator,
	"/idgate.v1.IdentityService/ManualVerify":                        operator,
	"/idgate.v1.IdentityService/RequireVerification":                 operator,
	"/idgate.v1.IdentityService/RefreshFromStripe":                   backend,
	"/idgate.v1.IdentityService/RedactCustomerIdentity":              backend,
	"/idgate.v1.IdentityService/RevealCustomerIdentity":              operator,
	"/idgate.v1.IdentityService/SimulateVerificationOutcome":         service,
	"/idgate.v1.IdentityService/BeginEnrollment":                     service,
	"/idgate.v1.IdentityService/FinishEnrollment":                    service,
	"/idgate.v1.IdentityService/ListCredentials":                     all,
	"/idgate.v1.IdentityService/RevokeCredential":                    backend,
	"/idgate.v1.IdentityService/EvaluatePayment":                     service,
	"/idgate.v1.IdentityService/BeginStepUp":                         service,
	"/idgate.v1.IdentityService/FinishStepUp":                        service,
	"/idgate.v1.IdentityService/CanCapture":                          all,
	"/idgate.v1.RiskService/CreateSubaccount":                        admin,
	"/idgate.v1.RiskService/GetSubaccount":                           all,
	"/idgate.v1.RiskService/ListSubaccounts":                         all,
	"/idgate.v1.RiskService/UpdateSubaccount":                        admin,
	"/idgate.v1.RiskService/RecordPaymentRisk":                       service,
	"/idgate.v1.RiskService/RecordPhoneLookup":                       service,
	"/idgate.v1.RiskService/RecordSignupLocation":                    service,
	"/idgate.v1.RiskService/GetRiskProfile":                          all,
	"/idgate.v1.RiskService/SimulatePolicy":                          operator,
	"/idgate.v1.WebhookService/ListWebhookEvents":                    admin,
	"/idgate.v1.WebhookService/RetryWebhookEvent":                    admin,
	"/idgate.v1.ConnectOnboardingService/CreateMerchant":             service,
	"/idgate.v1.ConnectOnboardingService/GetMerchant":                all,
	"/idgate.v1.ConnectOnboardingService/ListMerchants":              all,
	"/idgate.v1.ConnectOnboardingService/StartDatabaseKYC":           service,
	"/idgate.v1.ConnectOnboardingService/SubmitFullSSN":              service,
	"/idgate.v1.ConnectOnboardingService/StartDocumentVerification":  service,
	"/idgate.v1.ConnectOnboardingService/RecordBiometricConsent":     service,
	"/idgate.v1.ConnectOnboardingService/WithdrawBiometricConsent":   service,
	"/idgate.v1.ConnectOnboardingService/GetVerificationCostReport":  operator,
	"/idgate.v1.SandboxService/GetSandbox":                           all,
	"/idgate.v1.SandboxService/CreateSandboxPaymentIntent":           service,
	"/idgate.v1.SandboxService/GetSandboxPaymentIntent":              all,
	"/idgate.v1.AdminService/CreateApiKey":                           admin,
	"/idgate.v1.AdminService/ListApiKeys":                            admin,
	"/idgate.v1.AdminService/RevokeApiKey":                           admin,
	"/idgate.v1.AdminService/ListAuditEvents":                        operator,
	"/idgate.v1.AdminService/CreateSession":                          all, // service: refused by the handler, with a reason
	"/idgate.v1.AdminService/GetCurrentSession":                      people,
	"/idgate.v1.AdminService/RevokeCurrentSession":                   people,
	"/idgate.v1.AdminService/ListReviewTasks":                        people, // readonly operators watch the queue
	"/idgate.v1.AdminService/ClaimReviewTask":                        operator,
	"/idgate.v1.AdminService/ResolveReviewTask":                      operator,
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      admin, // when reflectionNeedsKey
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": admin,
}

// reflectionMethods list the API to tools such as grpcurl; it is open unless
// IDGATE_REFLECTION_REQUIRE_KEY puts it behind an admin key.
var reflectionMethods = []string{
	"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
	"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
}

// authenticator checks the bearer key of a call against the table.
type authenticator struct {
	keys     *auth.Keys
	disabled bool // benchmarks only: measures what authentication costs
	// failures limits failed authentications per client address, so keys cannot be
	// guessed at speed.
	failures *limit.Keyed
	// reflectionNeedsKey puts reflection behind an admin key (IDGATE_REFLECTION_REQUIRE_KEY).
	reflectionNeedsKey bool
}

func (a *authenticator) authorize(ctx context.Context, method string) (context.Context, error) {
	if slices.Contains(public, method) || (!a.reflectionNeedsKey && slices.Contains(reflectionMethods, method)) {
		return ctx, nil
	}
	if a.disabled {
		return auth.WithActor(ctx, auth.Actor{Type: "api_key", Role: auth.RoleAdmin}), nil
	}
	roles, listed := methodRoles[method]
	if !listed {
		return nil, status.Errorf(codes.PermissionDenied, "%s is not open to API keys", method)
	}
	key := bearer(ctx)
	actor, err := a.keys.Authenticate(ctx, key)
	if err != nil {
		if apperr.KindOf(err) != apperr.KindUnauthenticated {
			return nil, status.Error(codes.Unavailable, "cannot check credentials now; try again")
		}
		if a.failures != nil {
			if ok, wait := a.failures.Allow(clientAddr(ctx)); !ok {
				return nil, exhausted("too many failed authentications from this address", wait)
			}
		}
		return nil, status.Error(codes.Unauthenticated, err.Error())
	}
	if !slices.Contains(roles, actor.Role) {
		return nil, status.Errorf(codes.PermissionDenied, "a %s key may not call %s", actor.Role, method)
	}
	actor.RequestID = requestID(ctx)
	return audit.WithAction(auth.WithActor(ctx, actor), method), nil
}

func bearer(ctx context.Context) string {
	for _, v := range metadata.ValueFromIncomingContext(ctx, "authorization") {
		if k, ok := strings.CutPrefix(v, "Bearer "); ok {
			return strings.TrimSpace(k)
		}
	}
	return ""
}

func (a *authenticator) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	ctx, err := a.authorize(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	return next(ctx, req)
}

func (a *authenticator) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	if _, err := a.authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return next(srv, ss)
}

// sessionLimits bound how often verification sessions are created: per customer (seed 001)
// and per API key.
type sessionLimits struct {
	perCustomer, perKey *limit.Keyed
}

func (l sessionLimits) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if r, ok := req.(interface{ GetCustomerId() string }); ok && info.FullMethod == "/idgate.v1.IdentityService/CreateVerificationSession" {
		if ok, wait := l.perKey.Allow(auth.ActorFrom(ctx).ID); !ok {
			return nil, exhausted("this API key is creating verification sessions too fast", wait)
		}
		if ok, wait := l.perCustomer.Allow(r.GetCustomerId()); !ok {
			return nil, exhausted("too many verification sessions for this customer", wait)
		}
	}
	return next(ctx, req)
}
