// Package storm holds issue 10's storm test: three bin/idgate processes on one PostgreSQL
// (and one on SQLite) take thousands of duplicated, shuffled Stripe deliveries while
// replicas are killed and the database restarts, then every customer's state is checked
// against a model. It is behind the "storm" build tag: run it with `make storm`.
package storm
