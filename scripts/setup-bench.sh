#!/usr/bin/env bash
# Optional: what bench/reference_bench.py needs to time the authors' PyTorch code beside ours
# (Debian's python3-torch, CPU). Not part of the build or the tests.
set -euo pipefail
exec bash "$(dirname "$0")/install-debian-packages.sh" python3-torch python3-numpy python3-tqdm
