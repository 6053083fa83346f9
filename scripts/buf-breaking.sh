#!/usr/bin/env bash
# buf-breaking.sh [REF]: buf breaking of the working tree's protos against REF, by default
# the merge base with main (or, on main itself, the previous commit).
set -euo pipefail
cd "$(dirname "$0")/.."
main=$(git rev-parse --verify -q main || git rev-parse --verify -q origin/main || true)
base=${1:-}
if [[ -z $base ]]; then
  base=$( [[ -n $main ]] && git merge-base HEAD "$main" || true)
  if [[ -z $base || $base == "$(git rev-parse HEAD)" ]]; then base=$(git rev-parse HEAD~1); fi
fi
echo "buf breaking against $(git rev-parse --short "$base")"
if git cat-file -e "$base:third_party/proto" 2>/dev/null; then
  exec bin/buf breaking --against ".git#ref=$base"
fi
# A base from before the third-party protos were committed: its protos beside today's.
dir=tmp/buf-against && rm -rf "$dir" && mkdir -p "$dir"
git archive "$base" proto | tar -x -C "$dir"
cp -r third_party buf.yaml "$dir/"
exec bin/buf breaking --against "$dir"
