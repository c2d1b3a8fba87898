#!/usr/bin/env bash
# Installs every build, test and client dependency of Salon from Debian 12's packages.
# Idempotent: packages already present are left as they are; nothing is downloaded at build time.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format clang-tidy
  # fuzzing (scripts/fuzz.sh): clang, its libFuzzer and sanitizer runtimes, llvm-symbolizer
  clang libclang-rt-14-dev llvm
  # server and shared libraries
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libsodium-dev libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libssl-dev libjemalloc-dev
  # salond tells systemd when it is ready (Type=notify); packages are made with CPack
  libsystemd-dev dpkg-dev systemd procps
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev python3 tmux
  # real IRC clients for the IRC end-to-end tests (tests/irc)
  irssi weechat-headless weechat-plugins
  # terminal client
  libncurses-dev
  # desktop client (Qt 6 Widgets) and its offscreen tests
  qt6-base-dev qt6-base-dev-tools libgl-dev
  # salon-gui's "Stay logged in" in the platform keychain (optional: a 0600 file without it)
  qtkeychain-qt6-dev
  # web client's browser tests: headless chromium driven by playwright-core (npm, below)
  chromium nodejs
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "deps: all ${#packages[@]} packages present"

# The browser tests' one npm package, pinned by tests/web/package-lock.json; installed here so
# that building and testing never touch the network.
web_tests="$(cd "$(dirname "$0")/../tests/web" && pwd)"
want="$(node -p "require('$web_tests/package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(node -p "try { require('$web_tests/node_modules/playwright-core/package.json').version } catch { '' }")"
if [ "$want" != "$have" ]; then
  (cd "$web_tests" && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "deps: playwright-core $want present"
