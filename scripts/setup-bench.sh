#!/usr/bin/env bash
# Optional: what bench/reference_bench.py needs to time the authors' PyTorch code beside ours
# (Debian's python3-torch, CPU). Not part of the build or the tests. Uses sudo only when not root.
set -euo pipefail
packages=(python3-torch python3-numpy python3-tqdm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
