#!/usr/bin/env bash
# Runs the IRC conformance suite that IRC servers run in their own CI (progval/irctest, its
# selection for general servers) against salond, a fresh salond with a temporary data dir for
# every test (scripts/irctest/salon_irctest.py). A development tool, not part of CI: irctest is
# not a Debian package, so bring a checkout of it yourself.
#   scripts/irctest.sh IRCTEST_DIR [pytest arguments…]
# Prints pytest's summary line (passed, failed, skipped); -rA lists every test's outcome.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
irctest="${1:?usage: scripts/irctest.sh IRCTEST_DIR [pytest arguments…]}"
shift

# Debian's pytest; its pluggy predates the new-style hook wrapper irctest's conftest.py uses, so
# the suite runs from a copy with the old-style wrapper (the same for a controller, like this
# one, that declares no optional behaviours).
dpkg-query -W -f='${Status}' python3-pytest 2>/dev/null | grep -q "install ok installed" ||
  { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq python3-pytest; }
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT
cp -r "$irctest/." "$copy/"
sed -i 's/@pytest.hookimpl(wrapper=True)/@pytest.hookimpl(hookwrapper=True)/' "$copy/conftest.py"

cmake --preset dev >/dev/null
cmake --build --preset dev --target salond
cd "$copy"
SALOND_PATH="$root/build/dev/apps/salond/salond" PYTHONPATH="$root/scripts/irctest" \
  /usr/bin/python3 -m pytest -p no:cacheprovider --controller salon_irctest \
  -m 'not services and not implementation-specific and not deprecated and not strict' \
  irctest/server_tests/ -q "$@"
