# bottle: the host CLI and its backend plugins.

GO      ?= go
BIN     := bin
# Stripped binaries start sooner and hash faster when pinned.
BUILD   := $(GO) build -trimpath -ldflags "-s -w"
PLUGINS := docker macos-container smolmachines
PROTO   := plugin/shared/proto/v1/backend.proto

.PHONY: all build test e2e bench demo lint proto clean

all: build

build:
	$(BUILD) -o $(BIN)/bottle ./cmd/bottle
	$(foreach p,$(PLUGINS),$(BUILD) -o $(BIN)/bottle-plugin-$(p) ./plugins/$(p);)

# The example plugin is a module of its own, as a third party's would be.
test: build
	$(GO) test -count=1 ./...
	cd examples/dirsnap && $(GO) test -count=1 ./...

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 21x ./plugins/docker

demo: build
	./scripts/demo.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || \
		{ gofmt -l $$(git ls-files '*.go'); echo 'gofmt: files above need formatting'; exit 1; }
	$(GO) vet ./...
	cd examples/dirsnap && $(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Needs protoc, protoc-gen-go and protoc-gen-go-grpc on PATH; the
# generated code is committed so a build needs none of them.
proto:
	protoc --go_out=. --go_opt=paths=source_relative \
		--go-grpc_out=. --go-grpc_opt=paths=source_relative $(PROTO)

clean:
	rm -rf $(BIN)
