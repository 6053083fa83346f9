#!/usr/bin/env bash
# buf-breaking.sh [REF]: buf breaking of the working tree's protos against REF, by default
# the merge base with main (or, on main itself, the previous commit). A break made on
# purpose passes when a commit since REF says why in a "Breaking-Change: …" trailer line.
set -euo pipefail
cd "$(dirname "$0")/.."
main=$(git rev-parse --verify -q main || git rev-parse --verify -q origin/main || true)
base=${1:-}
if [[ -z $base ]]; then
  base=$( [[ -n $main ]] && git merge-base HEAD "$main" || true)
  if [[ -z $base || $base == "$(git rev-parse HEAD)" ]]; then base=$(git rev-parse HEAD~1); fi
fi
echo "buf breaking against $(git rev-parse --short "$base")"
against=".git#ref=$base"
if ! git cat-file -e "$base:third_party/proto" 2>/dev/null; then
  # A base from before the third-party protos were committed: its protos beside today's.
  against=tmp/buf-against && rm -rf "$against" && mkdir -p "$against"
  git archive "$base" proto | tar -x -C "$against"
  cp -r third_party buf.yaml "$against/"
fi
if bin/buf breaking --exclude-imports --against "$against"; then exit 0; fi
if why=$(git log --format=%B "$base..HEAD" | grep '^Breaking-Change:'); then
  echo "breaking changes accepted: $why"
  exit 0
fi
echo "the API changed incompatibly; if that is intended, say why in a 'Breaking-Change:' line of the commit message"
exit 1
