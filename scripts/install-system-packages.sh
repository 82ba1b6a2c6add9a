#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages nono needs, and only those that are missing.
#   build: compiler, make and libseccomp headers for native-helper/, python3 for node-gyp;
#          systemd (its socket activator) and vi for the session tests; dbus and gnome-keyring
#          (a real Secret Service), openssl and curl for the credential and network tests,
#          libcap2-bin (setcap, getcap) for the set-id attack tests
#   bench: hyperfine, tmux (the sessions baseline) and what Anthropic's sandbox runtime needs to be compared against
# Usage: scripts/install-system-packages.sh [build] [bench]
set -euo pipefail

want=()
for set in "${@:-build}"; do
  case "$set" in
    build) want+=(gcc make libc6-dev libseccomp-dev pkg-config python3 util-linux systemd vim-tiny dbus gnome-keyring openssl curl strace sqlite3 socat libcap2-bin) ;;
    bench) want+=(hyperfine bubblewrap socat ripgrep tmux) ;;
    *) echo "install-system-packages: unknown set '$set' (use build or bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "install-system-packages: no apt-get; install these yourself: ${missing[*]}" >&2
  exit 1
fi
sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "installing: ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
