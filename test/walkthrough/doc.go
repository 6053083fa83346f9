// Package walkthrough keeps the README's walkthrough true: TestREADMEQuotesScript (in every
// `go test ./...`) fails when README.md's Walkthrough block is not scripts/walkthrough.sh,
// and TestWalkthrough (build tag "walkthrough": `make walkthrough`) runs that script against
// a real scripts/run.sh, the process `make run` starts, on SQLite and on PostgreSQL.
package walkthrough
