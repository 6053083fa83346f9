// Command standin stands in for protoc-gen-swift and protoc-gen-grpc-swift-2, which need a
// Swift toolchain: it appends what buf asked it to generate (the parameter, then each file)
// to $STANDIN_LOG and answers with no files, so check.sh can test buf.gen.swift.yaml here.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "standin:", err)
		os.Exit(1)
	}
}

func run() error {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	var req pluginpb.CodeGeneratorRequest
	if err := proto.Unmarshal(in, &req); err != nil {
		return err
	}
	log, err := os.OpenFile(os.Getenv("STANDIN_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	fmt.Fprintf(log, "%s %s %s\n", filepath.Base(os.Args[0]), req.GetParameter(), strings.Join(req.GetFileToGenerate(), " "))
	// The real plugins support proto3 optional fields, which idgate's protos use.
	features := uint64(pluginpb.CodeGeneratorResponse_FEATURE_PROTO3_OPTIONAL)
	out, err := proto.Marshal(&pluginpb.CodeGeneratorResponse{SupportedFeatures: &features})
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
