#!/usr/bin/env bash
# One command from a clean clone to a real sandboxed run: system packages, npm ci (which
# builds the TypeScript and the C helper), then a demo in the kernel sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh build
# node-gyp must build native modules against the local Node headers; there is no download.
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
npm ci --no-audit --no-fund

echo
echo "Demo: the workdir is readable, your SSH key is not."
npx nono run --allow-cwd -- sh -c 'head -n 1 README.md; cat ~/.ssh/id_rsa 2>&1 | head -n 1; true'
