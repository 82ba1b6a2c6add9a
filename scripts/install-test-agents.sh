#!/usr/bin/env bash
# Installs the agent CLIs the real-agent tests and bench drive, at pinned versions, into a cache
# outside the repository's node_modules: they are large (~600 MB), are not dependencies of nono,
# and a new release can change the flags and wire calls the stand-in APIs script.
# Prints the fixture directory; does nothing when that version set is already complete.
# With --check it only prints the directory, or fails when the set is not complete (tests use
# this: they never install).
set -euo pipefail

# Pinned: the newest releases that run on Node 20 (claude-code >= 2.1.328 needs Node 22) and
# whose CLI flags and API calls the stand-ins in test/support/stand-in-apis/ were written for.
AGENTS=(
  "@anthropic-ai/claude-code@2.1.100"
  "@openai/codex@0.169.0"
  "@google/gemini-cli@0.61.0"
  "opencode-ai@1.18.33"
)
BINS=(claude codex gemini opencode)

hash=$(printf '%s\n' "${AGENTS[@]}" | sha256sum | cut -c1-12)
dir="${TEST_AGENTS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nono-test-agents/$hash}"

complete() {
  [ -f "$dir/.complete" ] || return 1
  for bin in "${BINS[@]}"; do [ -x "$dir/node_modules/.bin/$bin" ] || return 1; done
}

if [ "${1:-}" = --check ]; then
  complete || { echo "no complete agent fixture at $dir" >&2; exit 1; }
  echo "$dir"
  exit 0
fi

if ! complete; then
  echo "Installing test agents into $dir (several minutes the first time)" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '{ "name": "nono-test-agents", "private": true }\n' > "$dir/package.json"
  # Install scripts stay off: crush-style binary downloads and gemini's optional native
  # modules (node-pty, keytar) are not needed for headless runs.
  npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error "${AGENTS[@]}" >&2
  # OpenCode's postinstall only links its platform binary from the package installed beside it.
  (cd "$dir/node_modules/opencode-ai" && node postinstall.mjs >&2)
  for bin in "${BINS[@]}"; do "$dir/node_modules/.bin/$bin" --version >/dev/null </dev/null; done
  touch "$dir/.complete"
fi
echo "$dir"
