#!/usr/bin/env bash
# Installs the Debian packages nucleus-cpp needs, only those that are missing. Idempotent.
#   scripts/deps.sh [EXTRA_PACKAGE...]   # extras for one target only (make tidy: clang-tidy)
set -euo pipefail
packages=(
  build-essential cmake pkg-config
  libsqlite3-dev libsimdjson-dev libcli11-dev libpolyclipping-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libbrotli-dev
  libpng-dev  # the seg_* Model CI metrics decode stored masks (src/eval/mask_png.cc)
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-requests python3-pytest python3-brotli
  # make fuzz: Debian 12's clang (14) with libFuzzer and the sanitizer runtimes
  # (libclang_rt.fuzzer*.a ship in libclang-rt-14-dev), llvm-symbolizer for readable reports.
  clang libclang-rt-14-dev llvm
  git  # .ci/run tests a fresh clone
  # The PostgreSQL store (src/store/postgres: libpq) and the throwaway test cluster (tests/pg).
  postgresql-15 libpq-dev
  # The dashboard's browser tests (tests/dashboard): headless Chromium driven by Selenium.
  chromium chromium-driver python3-selenium
  # The same tests in Firefox (tests/dashboard/firefox): Debian's Firefox ESR, driven over
  # WebDriver BiDi by puppeteer-core from npm (no geckodriver package exists; npm's geckodriver
  # and Playwright's Firefox download browser builds, which these machines cannot fetch).
  firefox-esr
  "$@"
)
# puppeteer-core for those tests comes from npm: use the machine's Node.js and npm when it has
# them (any Node.js >= 18), else Debian's.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
