#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser test (Playwright drives it through
# executable_path; no browser is downloaded). Installs it with apt-get, through sudo if not root.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing chromium (Debian package) for the browser test..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium did not install; the browser test needs /usr/bin/chromium." >&2; exit 1; }
