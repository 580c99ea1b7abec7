#!/usr/bin/env bash
# Installs what berth needs, builds it, and runs every test: unit and integration
# tests on the release build, the unit tests again under ASan+UBSan, and the fuzzers
# for a bounded time. Run as root on Debian 12. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

contrib/install-deps.sh all
contrib/build.sh

summary=()   # one "label passed failed skipped" row per meson run
status=0

# Runs `meson test` in a build dir and records its counts from testlog.json.
run_suite() {
  local label=$1 dir=$2; shift 2
  echo "=== $label ==="
  if ! meson test -C "$dir" --print-errorlogs "$@"; then status=1; fi
  summary+=("$label $(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PY
)")
}

run_suite "release" build

# Sanitizers: the unit tests (no root-only container work) under ASan and UBSan.
if [[ ! -f build-asan/build.ninja ]]; then
  CXX=clang++ meson setup build-asan --buildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false -Db_pie=true
fi
ninja -C build-asan
# Not the vm suite (it tests the kernel's cgroup v2, and doubles CI time under TCG), nor the
# seccomp suite: its children install default-deny filters that also deny the ASan
# runtime's own syscalls, so the results would say nothing about berth. Nor the package suite
# (it builds its own release berth), the completion suite (shell scripts, one container),
# nor the suites that drive the installed-style binary through other programs as root or
# as a test user (rootless, kubernetes): they test the same code as the release run.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  run_suite "asan+ubsan" build-asan --no-suite integration --no-suite engines --no-suite engines-runc \
  --no-suite seccomp --no-suite vm --no-suite package --no-suite completion \
  --no-suite rootless --no-suite rootless-runc --no-suite kubernetes

# Fuzzers: bounded time each, any crash or sanitizer report fails the run.
if [[ ! -f build-fuzz/build.ninja ]]; then
  CXX=clang++ meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true -Dtests=false
fi
ninja -C build-fuzz
fuzz_seconds=${BERTH_FUZZ_SECONDS:-60}
for target in build-fuzz/tests/fuzz/fuzz-*; do
  [[ -x $target && -f $target ]] || continue
  name=${target##*/fuzz-}
  work=$(mktemp -d)
  args=(-max_total_time="$fuzz_seconds" -rss_limit_mb=2048)
  [[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
  seeds=()
  [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
  echo "=== fuzz $name for ${fuzz_seconds}s ==="
  if "$target" "${args[@]}" "$work" "${seeds[@]}" > "$work.log" 2>&1; then
    summary+=("fuzz:$name 1 0 0")
    tail -n 2 "$work.log"
  else
    summary+=("fuzz:$name 0 1 0")
    tail -n 40 "$work.log"
    status=1
  fi
  rm -rf "$work" "$work.log"
done

passed=0 failed=0 skipped=0
echo
for row in "${summary[@]}"; do
  read -r label p f s <<<"$row"
  printf '%-28s %4d passed %4d failed %4d skipped\n' "$label" "$p" "$f" "$s"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "berth: $passed passed, $failed failed, $skipped skipped"
exit $status
