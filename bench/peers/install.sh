#!/usr/bin/env bash
# Installs the servers bench/compare.sh measures salond against, from Debian's own packages:
# InspIRCd, ngircd and redis-server. Idempotent: packages already present are left alone.
# Ergo is not packaged in Debian (Debian's `ergo` is an unrelated program), so it is not here.
#
# The packages' own services are not started or enabled by us: compare.sh runs each server in
# the foreground with the configs beside this script, on loopback only. On a machine whose
# init does start them, they listen on their packaged ports; compare.sh uses other ports.
set -euo pipefail

packages=(inspircd ngircd redis-server)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "peers already installed: ${packages[*]}"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
else
  sudo_cmd=()
fi
echo "installing: ${missing[*]}"
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
