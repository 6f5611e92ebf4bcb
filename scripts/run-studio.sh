#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds the studio and opens it on the embedded Fashion-MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh ncsn-studio ncsn
exec ./build/app/ncsn-studio "$@"
