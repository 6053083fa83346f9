#!/usr/bin/env bash
# What can be checked of the Swift client without a Swift toolchain: buf builds the module
# and accepts buf.gen.swift.yaml, and asks each plugin for the files and options the Swift
# package needs. Stand-ins (standin/main.go) take the two Swift plugins' place.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

bin/buf build -o "$tmp/image.binpb"
go build -o "$tmp/plugins/protoc-gen-swift" ./clients/swift/standin
ln -s protoc-gen-swift "$tmp/plugins/protoc-gen-grpc-swift-2"
STANDIN_LOG="$tmp/log" PATH="$tmp/plugins:$PATH" \
  bin/buf generate --template clients/swift/buf.gen.swift.yaml --path proto/idgate -o "$tmp/out"

fail() { echo "check-swift: $*"; cat "$tmp/log"; exit 1; }
msgs=$(grep '^protoc-gen-swift ' "$tmp/log") || fail "protoc-gen-swift was not run"
stubs=$(grep '^protoc-gen-grpc-swift-2 ' "$tmp/log") || fail "protoc-gen-grpc-swift-2 was not run"
for f in admin identity onboarding risk webhook; do
  [[ $msgs == *"idgate/v1/$f.proto"* ]] || fail "no Swift messages for idgate/v1/$f.proto"
  [[ $stubs == *"idgate/v1/$f.proto"* ]] || fail "no Swift stubs for idgate/v1/$f.proto"
done
[[ $msgs == *"google/api/annotations.proto"* ]] || fail "google/api/annotations.proto (the protos' import) is not generated"
[[ $msgs != *"google/protobuf/"* ]] || fail "well-known types are generated (SwiftProtobuf has them)"
[[ $stubs != *"google/"* ]] || fail "stubs generated for imports"
[[ $msgs == *"Visibility=Public,FileNaming=PathToUnderscores"* ]] || fail "protoc-gen-swift options"
[[ $stubs == *"Visibility=Public,Client=true,Server=false,FileNaming=PathToUnderscores"* ]] || fail "protoc-gen-grpc-swift-2 options"
cat "$tmp/log"
echo "check-swift: buf accepts clients/swift/buf.gen.swift.yaml: Swift messages for $(grep -o '[^ ]*\.proto' <<<"$msgs" | wc -l) files, gRPC stubs for $(grep -o '[^ ]*\.proto' <<<"$stubs" | wc -l)"
