#!/usr/bin/env bash
# Builds the .deb, checks what it declares and holds, then installs it as a user would
# (apt install ./file.deb), runs both programs from /usr/bin outside the source tree, and removes
# it again. Needs root or sudo (for apt). Run after scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)

(cd build && cpack -G DEB >/dev/null)
deb=$(ls -t build/ncsn-studio_*.deb | head -1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"

fail() { echo "check-package: $*" >&2; exit 1; }
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/ncsn ./usr/bin/ncsn-studio \
    ./usr/share/applications/ncsn-studio.desktop \
    ./usr/share/metainfo/io.github.ncsn_studio.NcsnStudio.metainfo.xml \
    ./usr/share/icons/hicolor/scalable/apps/ncsn-studio.svg \
    ./usr/share/ncsn-studio/configs/fashion-mnist-small.json \
    ./usr/share/ncsn-studio/models/fashion-mnist-small.ncsn \
    ./usr/share/ncsn-studio/models/fashion-mnist-classifier.pt; do
  grep -q " $path\$" <<<"$contents" || fail "$path is missing from the package"
done
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for dep in libtorch libqt6widgets6 libopencv-imgcodecs libqcustomplot dataset-fashion-mnist; do
  grep -q "$dep" <<<"$depends" || fail "Depends lacks $dep"
done
desktop-file-validate build/_CPack_Packages/Linux/DEB/*/usr/share/applications/ncsn-studio.desktop
appstreamcli validate --no-net installer/io.github.ncsn_studio.NcsnStudio.metainfo.xml >/dev/null

# Install, use, remove. The programs run from an empty folder, so nothing of the tree is used.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "./$deb" >/dev/null
trap 'DEBIAN_FRONTEND=noninteractive $SUDO apt-get remove -y -qq ncsn-studio >/dev/null' EXIT
for bin in /usr/bin/ncsn /usr/bin/ncsn-studio; do
  if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -q "$PWD"; then fail "$bin still points into the build tree"; fi
done
scratch=$(mktemp -d)
cd "$scratch"
ncsn --version
ncsn train --config /usr/share/ncsn-studio/configs/fashion-mnist-small.json --ngf 4 --batch 4 --iters 2 \
  --checkpoint-every 2 --eval-every 0 --out run --threads 1 -q
ncsn sample -c run/checkpoint_2.ncsn -n 4 --columns 2 -T 1 --out samples.png -q
[ -s samples.png ] || fail "ncsn sample wrote nothing"
# Without -c: the model the package ships, found beside /usr/bin; and its FD-cls classifier.
ncsn sample -n 4 --columns 2 -T 1 --out default.png -q
grep -q "/usr/share/ncsn-studio/models/fashion-mnist-small.ncsn" default.png || fail "ncsn sample did not use the shipped model"
ncsn eval --data-baseline -n 50 --threads 2 | grep -q "FD-cls" || fail "ncsn eval found no shipped classifier"
xvfb-run -a -s "-screen 0 1280x800x24" ncsn-studio --screenshot studio.png --after 3000 >/dev/null 2>&1
[ -s studio.png ] || fail "the installed studio did not start"
echo "installed package works: ncsn sample and ncsn-studio ran from /usr/bin (screenshot $scratch/studio.png)"
