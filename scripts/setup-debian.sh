#!/usr/bin/env bash
# Installs every Debian package NCSN Studio needs to build, test and run.
# Idempotent: packages already present are left alone (scripts/install-debian-packages.sh).
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

exec bash "$(dirname "$0")/install-debian-packages.sh" "${packages[@]}"
