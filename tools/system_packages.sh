#!/usr/bin/env bash
# Installs what the TypeScript client, the review console and the browser tests need from the
# system package manager, when it is missing: `tools/system_packages.sh node` (Node.js 20.19 or
# newer with npm) and `tools/system_packages.sh chromium` (Debian's chromium, which Playwright
# drives; no test tool ever downloads a browser build of its own). Debian/Ubuntu's apt-get, as
# root or through sudo; elsewhere it says what to install and fails.
set -euo pipefail

apt_install() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
      echo "missing: $* (install them with your system's package manager)" >&2
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing: $* (no apt-get here: install them with your system's package manager)" >&2
    exit 1
  fi
  echo "installing $* with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

case "${1:-}" in
  node)
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
      apt_install nodejs npm
    fi
    # @hey-api/openapi-ts 0.95 needs 20.19 (Debian 13 ships 20.19; Debian 12's 18 is too old).
    if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
      echo "Node.js $(node --version) is too old: 20.19 or newer is needed (README: TypeScript client)" >&2
      exit 1
    fi
    ;;
  chromium)
    # Fonts so that screenshots show text; the rest of chromium's recommends (udev, mesa,
    # notification daemon) are for desktops.
    if ! command -v chromium >/dev/null 2>&1; then
      apt_install chromium fonts-liberation
    fi
    ;;
  *)
    echo "usage: $0 node|chromium" >&2
    exit 2
    ;;
esac
