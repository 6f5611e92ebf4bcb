#!/usr/bin/env bash
# Builds the two .debs, checks what they declare and hold, then installs them as a user would
# (apt install ./file.deb), runs both programs from /usr/bin and builds a program on the engine
# package, with the source and build trees hidden, and removes them again. Needs root or sudo
# (for apt). Run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)

(cd build && cpack -G DEB >/dev/null)
deb=$(ls -t build/ncsn-studio_*.deb | head -1)
dev_deb=$(ls -t build/libncsn-engine-dev_*.deb | head -1)
echo "packages: $deb ($(du -h "$deb" | cut -f1)), $dev_deb ($(du -h "$dev_deb" | cut -f1))"

fail() { echo "check-package: $*" >&2; exit 1; }
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/ncsn ./usr/bin/ncsn-studio \
    ./usr/share/applications/ncsn-studio.desktop \
    ./usr/share/metainfo/io.github.ncsn_studio.NcsnStudio.metainfo.xml \
    ./usr/share/icons/hicolor/scalable/apps/ncsn-studio.svg \
    ./usr/share/ncsn-studio/configs/fashion-mnist-small.json \
    ./usr/share/ncsn-studio/models/fashion-mnist-small.ncsn \
    ./usr/share/ncsn-studio/models/fashion-mnist-ngf64.ncsn \
    ./usr/share/ncsn-studio/models/fashion-mnist-classifier.pt; do
  grep -q " $path\$" <<<"$contents" || fail "$path is missing from the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for dep in libtorch libqt6widgets6 libopencv-imgcodecs libqcustomplot dataset-fashion-mnist; do
  grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep"
done
if grep -qE ' \./usr/include/| \.a$' <<<"$contents"; then fail "$deb holds development files"; fi

dev_contents=$(dpkg-deb -c "$dev_deb")
for path in ./usr/include/ncsn/annealed_langevin_sampler.hpp ./usr/include/ncsn/imageio/model_session.hpp \
    ./usr/lib/libncsn_engine.a ./usr/lib/libncsn_imageio.a \
    ./usr/lib/cmake/NcsnEngine/NcsnEngineConfig.cmake ./usr/lib/cmake/NcsnEngine/NcsnEngineConfigVersion.cmake \
    ./usr/lib/cmake/NcsnEngine/NcsnEngineTargets.cmake; do
  grep -q " $path\$" <<<"$dev_contents" || fail "$path is missing from $dev_deb"
done
if grep -q ' ./usr/bin/' <<<"$dev_contents"; then fail "$dev_deb holds programs"; fi
dev_depends=$(dpkg-deb -f "$dev_deb" Depends)
echo "$(basename "$dev_deb") Depends: $dev_depends"
for dep in libtorch-dev nlohmann-json3-dev libopencv-dev; do
  grep -q "$dep" <<<"$dev_depends" || fail "$dev_deb Depends lacks $dep"
done
shipped=$(mktemp -d)
dpkg-deb -x "$deb" "$shipped"
desktop-file-validate "$shipped/usr/share/applications/ncsn-studio.desktop"
rm -rf "$shipped"
appstreamcli validate --no-net installer/io.github.ncsn_studio.NcsnStudio.metainfo.xml >/dev/null

# Install, use, remove.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "./$deb" "./$dev_deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq ncsn-studio libncsn-engine-dev >/dev/null' EXIT
for bin in /usr/bin/ncsn /usr/bin/ncsn-studio; do
  if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -q "$PWD"; then fail "$bin still points into the build tree"; fi
done

# The new user's steps run from an empty folder outside the tree.
scratch=$(mktemp -d)
cp scripts/try-installed-package.sh scripts/try-engine-package.sh "$scratch/"
cp -r tests/engine_package "$scratch/engine_package"
tree=$PWD
# The source and build trees vanish behind an empty tmpfs in a private mount namespace, as on a
# machine that only has the .deb: a program still reading from them fails here.
if $SUDO unshare --mount --propagation private true 2>/dev/null; then
  $SUDO unshare --mount --propagation private bash -c \
    "mount -t tmpfs tmpfs '$tree' && [ ! -e '$tree/CMakeLists.txt' ] && cd '$scratch' && bash try-installed-package.sh && bash try-engine-package.sh"
  echo "installed package works with the source and build trees hidden: ncsn train/sample/eval and ncsn-studio ran from /usr/bin (screenshot $scratch/studio.png); a program built with find_package(NcsnEngine) sampled $scratch/grid.png"
else
  echo "check-package: no mount namespaces here, so the trees stay visible (the programs still run from $scratch)"
  (cd "$scratch" && bash try-installed-package.sh && bash try-engine-package.sh)
  echo "installed packages work: ncsn train/sample/eval and ncsn-studio ran from /usr/bin (screenshot $scratch/studio.png); a program built with find_package(NcsnEngine) sampled $scratch/grid.png"
fi
