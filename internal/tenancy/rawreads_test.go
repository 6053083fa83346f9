package tenancy_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// rawReads are the reads that skip ent, and so its tenancy interceptor, each with where the
// caller's scope is applied instead. A new one fails TestRawReadsAreListed until it is here.
var rawReads = map[string]string{
	"internal/identity/customer.go":  "the gate's and GetCustomer's reads by id: CheckAccess and readCustomer answer not found unless auth.Visible(ctx, the row's subaccount)",
	"internal/identity/gatecache.go": "the gate state's bulk load, idgate's own (no caller); what it holds is answered through CheckAccess's auth.Visible",
	"internal/risk/simulate.go":      "the policy simulation of one subaccount, read only after subaccounts.Get(ctx, id) found it in the caller's scope",
}

var rawRead = regexp.MustCompile(`\.(PrepareRead|ReadStatement)\(`)

// TestRawReadsAreListed: every read that skips ent's query builder (store.PrepareRead,
// store.ReadStatement) is in rawReads, with how it applies the caller's tenant scope.
func TestRawReadsAreListed(t *testing.T) {
	root := filepath.Join("..", "..")
	found := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || rel == filepath.Join("internal", "store")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rawRead.Match(src) {
			found[filepath.ToSlash(rel)] = true
			if rawReads[filepath.ToSlash(rel)] == "" {
				t.Errorf("%s reads the database past ent's tenancy interceptor: apply the caller's scope (auth.Visible) and list it in rawReads", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range rawReads {
		if !found[f] {
			t.Errorf("%s is listed in rawReads but no longer reads past ent: remove it", f)
		}
	}
}
