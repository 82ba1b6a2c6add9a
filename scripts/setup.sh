#!/usr/bin/env bash
# One command from a clean clone to a real sandboxed run: system packages, npm ci (which
# builds the TypeScript and the C helper), then a demo in the kernel sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-packages.sh build
# node-gyp must build native modules against the local Node headers; there is no download.
export npm_config_nodedir="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
npm ci --no-audit --no-fund
# The agent CLIs the real-agent tests drive, pinned, cached outside node_modules.
bash scripts/install-test-agents.sh >/dev/null

echo
echo "Demo: inside the sandbox the workdir is readable; your home and /etc/shadow are not, even for root."
npx nono run --allow-cwd -- sh -c 'head -n 1 README.md; ls ~ 2>&1 | head -n 1; cat /etc/shadow 2>&1 | head -n 1; true'
npx nono daemon stop >/dev/null
