#!/usr/bin/env bash
# Builds NCSN Studio against LibTorch 2.x and runs every test there: a Debian 13 (trixie) root
# made with debootstrap, whose libtorch-dev is 2.6 (CPU), next to the 1.13 of bookworm. This is the
# compile check for the CUDA machines' LibTorch 2.x as well, where no GPU is at hand. Needs root
# and the Debian mirror; the root is kept in $NCSN_TRIXIE_ROOT (default /var/tmp/ncsn-trixie)
# for reruns. Usage: sudo bash scripts/check-libtorch2.sh [ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
root=${NCSN_TRIXIE_ROOT:-/var/tmp/ncsn-trixie}
if [ ! -x "$root/usr/bin/apt-get" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  debootstrap --variant=minbase trixie "$root" http://deb.debian.org/debian >/dev/null
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
for fs in proc sys dev; do mountpoint -q "$root/$fs" || mount --bind "/$fs" "$root/$fs"; done
trap 'for fs in proc sys dev; do umount "$root/$fs" 2>/dev/null || true; done' EXIT

# The working tree (tracked and untracked files, not ./build) goes to /src in the root.
mkdir -p "$root/src"
git ls-files -co --exclude-standard | tar -cf - -T - | tar -xmf - -C "$root/src"  # -m: a changed file is always newer than its objects
chroot "$root" bash /src/scripts/setup-debian.sh --no-tooling >/dev/null
echo "LibTorch $(chroot "$root" dpkg-query -W -f='${Version}' libtorch-dev), Qt $(chroot "$root" dpkg-query -W -f='${Version}' qt6-base-dev)"
chroot "$root" bash -c "cd /src && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null &&
  cmake --build build --parallel $(nproc) && cd build &&
  ctest --output-on-failure --timeout 900 $*"

# The CUDA-only code (#if NCSN_WITH_CUDA), compiled syntax-only against the headers of Debian 13's
# CUDA LibTorch 2.6. Its packages are downloaded, not installed: they need an NVIDIA driver.
cuda_root=/opt/torch-cuda
chroot "$root" bash -c "set -e
  if [ ! -d $cuda_root/include/ATen/cuda ]; then
    echo 'deb http://deb.debian.org/debian trixie contrib non-free' > /etc/apt/sources.list.d/cuda-headers.list
    apt-get update -qq && mkdir -p /var/tmp/cuda-debs $cuda_root && cd /var/tmp/cuda-debs
    apt-get download -qq libtorch-cuda-dev nvidia-cuda-dev libcu++-dev 2>/dev/null
    ls *.deb > $cuda_root/packages.txt
    for deb in *.deb; do dpkg-deb --fsys-tarfile \$deb | tar -x --wildcards './usr/include/*'; done
    mv usr/include $cuda_root/ && cd / && rm -rf /var/tmp/cuda-debs
  fi
  echo CUDA headers from \$(cat $cuda_root/packages.txt)
  cd /src && python3 scripts/compile-cuda-paths.py build $cuda_root/include \$(grep -rl NCSN_WITH_CUDA --include=*.cpp engine bench tests)"

# Checkpoints cross between the versions, when this machine has its own build (LibTorch 1.13):
# a run started with 2.x is resumed here (weights and Adam state), then resumed by 2.x again,
# and the result sampled here. (The shipped model, written by 1.13, is sampled by test_cli above.)
if [ -x build/app/ncsn ]; then
  rm -rf "$root/tmp/cross"
  train="train --dataset fashion-mnist --ngf 4 --batch 4 --checkpoint-every 2 --eval-every 0 --threads 1 -q"
  chroot "$root" bash -c "cd /tmp && /src/build/app/ncsn $train --out cross --iters 2"
  build/app/ncsn $train --out "$root/tmp/cross" --iters 4
  chroot "$root" bash -c "cd /tmp && /src/build/app/ncsn $train --out cross --iters 6"
  build/app/ncsn sample -c "$root/tmp/cross/checkpoint_6.ncsn" -n 4 -T 1 --out "$root/tmp/cross/sampled-here.png" -q
  echo "one run, trained in turn by LibTorch 2.x and $(build/app/ncsn info | sed -n 's/^libtorch: //p'), sampled here"
fi
