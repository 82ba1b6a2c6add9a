#!/usr/bin/env bash
# Installs Anthropic's sandbox runtime (srt) for the comparison bench only, into bench/.srt/
# with its own package.json, so it never enters the workspace's dependencies or lockfile.
# Usage: bench/setup-srt.sh            (the pinned version below)
#        SRT_VERSION=0.0.83 bench/setup-srt.sh
# 0.0.78 is the newest release whose engines field admits Node 20 (0.0.79+ say >=22.12);
# srt on Linux also needs bubblewrap, socat and ripgrep (apt: bubblewrap socat ripgrep).
set -euo pipefail

version="${SRT_VERSION:-0.0.78}"
dir="$(cd "$(dirname "$0")" && pwd)/.srt"

mkdir -p "$dir"
cat >"$dir/package.json" <<JSON
{
  "name": "nono-bench-srt",
  "private": true,
  "description": "Anthropic sandbox runtime, installed only for npm run bench (bench/vs-srt.bench.mjs)",
  "dependencies": {
    "@anthropic-ai/sandbox-runtime": "$version"
  }
}
JSON
rm -rf "$dir/node_modules" "$dir/package-lock.json"
# --prefix keeps npm from treating the repository root as the project; srt and its
# dependencies need no install scripts.
npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >&2
node -e 'const p = require(process.argv[1]); console.log(`srt ${p.version} installed in ${process.argv[2]}`)' \
  "$dir/node_modules/@anthropic-ai/sandbox-runtime/package.json" "$dir"
