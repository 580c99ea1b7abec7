#!/usr/bin/env bash
# Installs what berth needs, builds it, makes a busybox bundle and runs it with
# `berth run`, printing what the container sees. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
contrib/install-deps.sh build demo
contrib/build.sh --minimal

bundle=$(mktemp -d /tmp/berth-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
contrib/make-bundle.sh "$bundle" sh -c '
  echo "hostname:  $(hostname)"
  echo "my pid:    $$"
  echo "whoami:    $(id)"
  echo "processes:"; ps
  echo "mounts:";    cat /proc/self/mounts'
echo "--- berth run demo (bundle $bundle) ---"
build/src/berth run --bundle "$bundle" "demo-$$"
