#!/usr/bin/env bash
# Configures and builds berth in ./build (release, hardened, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
  meson setup build --buildtype=release
fi
ninja -C build
