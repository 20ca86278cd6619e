#!/usr/bin/env bash
# Installs the Firefox suite's one npm dependency (puppeteer-core, exactly as package-lock.json
# pins it) into DEST/node_modules: `npm ci` from the npm registry, no install scripts, no browser
# download (the suite drives Debian's firefox-esr). Skipped when DEST already holds what this
# lockfile installs. ctest runs it as the fixture of dashboard_firefox (tests/CMakeLists.txt).
#   tests/dashboard/firefox/setup.sh DEST
set -euo pipefail
src="$(cd "$(dirname "$0")" && pwd)"
dest="$1"
mkdir -p "$dest"
if cmp -s "$src/package-lock.json" "$dest/installed-lock.json" && [ -d "$dest/node_modules/puppeteer-core" ]; then
  exit 0
fi
rm -f "$dest/installed-lock.json"
cp "$src/package.json" "$src/package-lock.json" "$src/.npmrc" "$dest/"
cd "$dest"
export PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_DOWNLOAD=1 PUPPETEER_SKIP_CHROME_HEADLESS_SHELL_DOWNLOAD=1
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
cp package-lock.json installed-lock.json
