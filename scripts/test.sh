#!/usr/bin/env bash
# Builds Salon and runs every test: unit, end-to-end (real salond on ephemeral loopback ports),
# terminal and desktop client suites. `scripts/test.sh --asan` builds and runs the unit and
# end-to-end tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=dev
[ "${1:-}" = "--asan" ] && preset=asan

scripts/deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
# ASan's leak checker and the GUI tests need no terminal; CTest runs two tests at a time.
ctest --preset "$preset" -j 2
