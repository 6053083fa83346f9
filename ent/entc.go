//go:build ignore

package main

import (
	"log"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	err := entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeatureUpsert,
			gen.FeatureVersionedMigration,
			gen.FeatureLock,
			gen.FeatureIntercept,
		},
	}, entc.TemplateFiles("template/personal.tmpl", "template/scan.tmpl"))
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
