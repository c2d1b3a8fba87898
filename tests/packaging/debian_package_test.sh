#!/usr/bin/env bash
# Builds the Debian packages of this build tree and checks what an administrator would get:
#   debian_package_test.sh BUILD_DIR SOURCE_DIR
# The packages are unpacked with `dpkg --root` into a scratch root (no maintainer script runs
# on this machine), and the unit is checked with `systemd-analyze verify`.
set -euo pipefail
build="$1"
source="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log" >&2; fail "cpack -G DEB failed"; }
server="$(ls "$work"/out/salond_*.deb)"
terminal="$(ls "$work"/out/salon_*.deb)"

# Control fields: the server and the terminal client need no Qt; the server needs adduser for
# its postinst and procps for the unit's /bin/kill.
for deb in "$server" "$terminal"; do
    dpkg-deb -f "$deb" Depends | grep -qi qt && fail "$(basename "$deb") depends on Qt"
done
depends="$(dpkg-deb -f "$server" Depends)"
for need in adduser procps libsystemd0 libsqlite3; do
    grep -q "$need" <<<"$depends" || fail "salond does not depend on $need: $depends"
done
gui="$(ls "$work"/out/salon-gui_*.deb 2>/dev/null || true)"
if [ -e "$source/apps/salon-gui/main.cpp" ] && [ -n "$gui" ]; then
    dpkg-deb -f "$gui" Depends | grep -q libqt6widgets6 || fail "salon-gui does not depend on Qt"
fi

# A scratch dpkg database, then unpack (files only: configure would run postinst here).
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
for deb in "$work"/out/*.deb; do
    dpkg --root="$root" --force-not-root --force-bad-path --force-depends --unpack "$deb" \
        >>"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log" >&2; fail "dpkg --unpack $deb"; }
done
dpkg --root="$root" -s salond | grep -q '^ /etc/salon/salon.toml ' ||
    fail "/etc/salon/salon.toml is not a conffile"

# Files and modes, as the archives hold them (unpacking leaves conffiles as *.dpkg-new until
# configure).
files="$work/files"
for deb in "$work"/out/*.deb; do
    dpkg-deb -x "$deb" "$files"
done
mode() { stat -c '%a %U:%G' "$files$1"; }
[ "$(mode /usr/bin/salond)" = "755 root:root" ] || fail "/usr/bin/salond: $(mode /usr/bin/salond)"
[ "$(mode /usr/bin/salon)" = "755 root:root" ] || fail "/usr/bin/salon: $(mode /usr/bin/salon)"
[ "$(mode /etc/salon/salon.toml)" = "640 root:root" ] ||
    fail "/etc/salon/salon.toml: $(mode /etc/salon/salon.toml)"
[ "$(mode /lib/systemd/system/salond.service)" = "644 root:root" ] || fail "the unit's mode"
for script in postinst prerm postrm; do
    file="$root/var/lib/dpkg/info/salond.$script"
    [ -x "$file" ] || fail "salond.$script is missing or not executable"
    sh -n "$file" || fail "salond.$script: syntax"
done
grep -q 'adduser --system' "$root/var/lib/dpkg/info/salond.postinst" || fail "postinst adds no user"

# The packaged configuration is one salond accepts, with the data in /var/lib/salon.
grep -q '^data_dir = "/var/lib/salon"$' "$files/etc/salon/salon.toml" || fail "data_dir"
"$files/usr/bin/salond" --config "$files/etc/salon/salon.toml" --help >/dev/null ||
    fail "salond refuses the packaged configuration"

# The unit: hardened, notify, and valid for systemd (the binary path points into the root).
unit="$files/lib/systemd/system/salond.service"
for line in Type=notify User=salon ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
    CapabilityBoundingSet=CAP_NET_BIND_SERVICE LimitNOFILE= StateDirectory=salon; do
    grep -q "^$line" "$unit" || fail "the unit lacks $line"
done
sed "s|/usr/bin/salond|$files/usr/bin/salond|" "$unit" >"$work/salond.service"
systemd-analyze verify "$work/salond.service" >"$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
if [ -s "$work/verify.log" ]; then
    cat "$work/verify.log" >&2
    fail "systemd-analyze verify printed warnings"
fi
echo "debian packages: $(cd "$work/out" && ls ./*.deb | xargs -n1 basename | tr '\n' ' ')ok"
