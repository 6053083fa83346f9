package walkthrough

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's Walkthrough block from scripts/walkthrough.sh")

// The README's block sits between these lines; everything between them is generated.
const (
	beginMarker = "<!-- walkthrough: scripts/walkthrough.sh, quoted by `go test ./test/walkthrough -update`; edit the script, not this block -->\n"
	endMarker   = "<!-- end of scripts/walkthrough.sh -->\n"
)

// root is the repository's top directory.
var root = filepath.Join("..", "..")

// quoted is the README block that quotes script.
func quoted(script []byte) []byte {
	return append(append([]byte("```sh\n"), script...), "```\n"...)
}

// TestREADMEQuotesScript fails when the README's walkthrough and scripts/walkthrough.sh
// differ, so what a reader pastes is what CI runs (make walkthrough). -update rewrites the
// README's block from the script.
func TestREADMEQuotesScript(t *testing.T) {
	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(filepath.Join(root, "scripts", "walkthrough.sh"))
	if err != nil {
		t.Fatal(err)
	}
	begin := bytes.Index(readme, []byte(beginMarker))
	end := bytes.Index(readme, []byte(endMarker))
	if begin < 0 || end < begin || bytes.Count(readme, []byte(beginMarker)) != 1 || bytes.Count(readme, []byte(endMarker)) != 1 {
		t.Fatalf("README.md needs one walkthrough block, between the lines\n%s and\n%s", beginMarker, endMarker)
	}
	begin += len(beginMarker)
	want := quoted(script)
	if bytes.Equal(readme[begin:end], want) {
		return
	}
	if !*update {
		t.Fatalf("README.md's walkthrough is not scripts/walkthrough.sh: edit the script, then run\n  go test ./test/walkthrough -run TestREADMEQuotesScript -update")
	}
	out := append(append(append([]byte{}, readme[:begin]...), want...), readme[end:]...)
	if err := os.WriteFile(readmePath, out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote README.md's walkthrough from scripts/walkthrough.sh")
}
