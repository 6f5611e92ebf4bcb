#!/usr/bin/env bash
# Installs every Debian package NCSN Studio needs to build, test and run.
# Idempotent: packages already present are left alone. Uses sudo only when not root.
# --no-tooling leaves out the packaging and sanitizer tools, whose names are bookworm's
# (scripts/check-libtorch2.sh installs the rest in a Debian 13 root with this script).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev libgloo-dev  # libgloo-dev: the headers of c10d's Gloo backend (multi-process training)
  libdnnl-dev  # the headers of the oneDNN that libtorch runs on: CPU convolutions called directly
  qt6-base-dev qt6-base-dev-tools libqt6svg6 qt6-image-formats-plugins
  libqcustomplot-dev
  libopencv-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  zlib1g-dev libpng-dev libgif-dev
  dataset-fashion-mnist
  xvfb xauth
)
tooling=(
  dpkg-dev file desktop-file-utils appstream  # the .deb: dpkg-shlibdeps, validators (scripts/check-package.sh)
  clang-14 libclang-rt-14-dev  # sanitizer and fuzz builds (scripts/run-sanitizers.sh, run-fuzz.sh)
)

[ "${1:-}" = "--no-tooling" ] || packages+=("${tooling[@]}")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
