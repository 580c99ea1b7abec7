#!/usr/bin/env bash
# Configures and builds berth in ./build (release at -Os, hardened, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
  meson setup build  # meson.build defaults: release, -Os
fi
ninja -C build
