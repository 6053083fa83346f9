package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/mixin"

	"github.com/idgate/idgate/internal/tenancy"
)

// TenantMixin marks an entity as owned by a subaccount: every query, update and delete of
// it is confined to the caller's subaccounts, and a create for another tenant's subaccount
// is refused (internal/tenancy). Field names the column holding the subaccount id
// (default subaccount_id). Every entity with a subaccount id must have it; a test
// enumerates the schema to check.
type TenantMixin struct {
	mixin.Schema
	Field string
}

func (m TenantMixin) field() string {
	if m.Field == "" {
		return "subaccount_id"
	}
	return m.Field
}

// Annotations of the TenantMixin: the mark a test reads.
func (m TenantMixin) Annotations() []schema.Annotation {
	return []schema.Annotation{TenantOwned{Field: m.field()}}
}

// Interceptors of the TenantMixin.
func (m TenantMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{tenancy.Interceptor(m.field())}
}

// Hooks of the TenantMixin.
func (m TenantMixin) Hooks() []ent.Hook { return []ent.Hook{tenancy.Hook(m.field())} }

// TenantOwned is the annotation of a tenant-owned entity: Field holds its subaccount id.
type TenantOwned struct{ Field string }

// Name of the TenantOwned annotation.
func (TenantOwned) Name() string { return "TenantOwned" }
