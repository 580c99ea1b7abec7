#!/usr/bin/env bash
# Configures and builds berth in ./build (release at -Os, hardened).
#   contrib/build.sh             everything, the tests included (contrib/test.sh)
#   contrib/build.sh --minimal   berth alone, no tests configured (contrib/demo.sh): needs only
#                                install-deps.sh's "build" packages and compiles a tenth as much
set -euo pipefail
cd "$(dirname "$0")/.."
minimal=false
[[ ${1:-} == --minimal ]] && minimal=true
if [[ ! -f build/build.ninja ]]; then
  # meson.build defaults: release, -Os
  if $minimal; then meson setup build -Dtests=false; else meson setup build; fi
elif ! $minimal && meson introspect --buildoptions build | python3 -c '
import json, sys; sys.exit(0 if {"name": "tests", "value": False}.items() <=
  next(o for o in json.load(sys.stdin) if o["name"] == "tests").items() else 1)'; then
  meson configure build -Dtests=true   # a demo's build dir, now asked for the tests
fi
if $minimal; then ninja -C build src/berth; else ninja -C build; fi
