#!/usr/bin/env bash
# make demo: show bottle's main job on a throwaway bottle. Builds a tiny
# FROM-scratch image (no registry needed), starts a bottle container from
# it, records its state under a temporary state root as the Python
# launcher would, commits it with bin/bottle, shows the artifact,
# resumes the bottle from it, and removes everything it made.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker version >/dev/null 2>&1; then
  echo "demo: no Docker engine answers; start one (sudo systemctl start docker," \
    "or sudo dockerd &) and run make demo again" >&2
  exit 1
fi

work=$(mktemp -d)
slug="demo-$(printf %05d $((RANDOM % 100000)))"
image=bottle-demo-agent:latest
cleanup() {
  docker rm -f "bot-bottle-$slug" >/dev/null 2>&1 || true
  docker image rm -f "$image" "bot-bottle-committed-$slug:latest" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*" >&2; }
show() { printf '$ %s\n' "$*" >&2; "$@"; }

step "build a FROM-scratch image holding only a small static 'agent'"
CGO_ENABLED=0 go build -o "$work/agent" ./internal/testbottle/agent
tar -C "$work" -c agent | docker import -c 'ENTRYPOINT ["/agent"]' - "$image" >/dev/null

step "start bottle $slug; its agent writes /work/notes.txt and keeps running"
show docker run -d --name "bot-bottle-$slug" "$image" \
  write /work/notes.txt "notes the agent wrote before the freeze" >/dev/null

step "the agent works on: it leaves a second file the image's command does not write"
show docker exec "bot-bottle-$slug" /agent put /work/progress.txt "step 2 of 3 done"

step "record the bottle's state as the launcher does, in a throwaway root"
export BOTTLE_STATE_DIR="$work/state"
mkdir -p "$BOTTLE_STATE_DIR/$slug"
cat >"$BOTTLE_STATE_DIR/$slug/metadata.json" <<JSON
{"agent_name": "demo", "cwd": "$PWD", "copy_cwd": false, "backend": "docker",
 "started_at": "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)", "bottle_names": ["bot-bottle-$slug"]}
JSON
echo "BOTTLE_STATE_DIR=$BOTTLE_STATE_DIR" >&2

step "freeze it: the reference goes to stdout, hints to stderr"
printf '$ ref=$(bin/bottle commit %s)\n' "$slug" >&2
ref=$(bin/bottle commit "$slug")
echo "ref=$ref" >&2

step "the bottle's state now records the artifact and is preserved"
show ls -A "$BOTTLE_STATE_DIR/$slug"
show cat "$BOTTLE_STATE_DIR/$slug/committed-image"

step "the bottle is still running, and a new container from the artifact has the file"
show docker inspect --format '{{.Name}} is {{.State.Status}}' "bot-bottle-$slug"
show docker run --rm "$ref" cat /work/notes.txt
echo >&2

step "the bottle goes away; bottle resume brings it back from the snapshot"
show docker rm -f "bot-bottle-$slug" >/dev/null
show bin/bottle resume "$slug"
show docker exec "bot-bottle-$slug" /agent cat /work/progress.txt
echo >&2

step "done; removing the demo's container, images and state"
