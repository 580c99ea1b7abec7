# Shared helpers for the engine tests (podman.sh, containerd.sh, docker.sh, cri.sh).
# Sourced, not run. Each script reads the OCI runtime to test from $RUNTIME, starts
# its engine with private state under one temp dir, prints one "ok N - name" or
# "not ok N - name" line per check, and exits 0 (all passed), 1 (a check failed),
# or 77 (skipped: meson reports SKIP).
#
# Cleanup is a stack: `defer CMD...` pushes a command; they run in reverse at exit,
# whatever the exit path. Engine logs registered with `keep_log` are printed when
# any check failed, so a failing run under `meson test --print-errorlogs` is
# readable without rerunning.

set -uo pipefail

ENG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ENG_TOP=$(cd "$ENG_DIR/../.." && pwd)
ENG_CONTRIB=$ENG_TOP/contrib/engines
PYTHON=/usr/bin/python3   # Debian's, with python3-grpcio; not a pyenv shim

_checks=0
_failed=0
_deferred=()
_logs=()
T=

skip() {
  echo "1..0 # SKIP $*"
  exit 77
}

# Runs the deferred commands (newest first), prints the logs on failure, and sets
# the exit status. Installed as the EXIT trap by eng_init.
_eng_exit() {
  local rc=$? i
  trap - EXIT INT TERM
  for ((i = ${#_deferred[@]} - 1; i >= 0; i--)); do
    eval "${_deferred[i]}" >/dev/null 2>&1 || true
  done
  if ((rc == 77)); then exit 77; fi
  if ((_failed > 0 || rc != 0)); then
    local log
    for log in "${_logs[@]}"; do
      [[ -s $log ]] || continue
      echo "# ---- $log (last 150 lines) ----"
      tail -n 150 "$log" | sed 's/^/# /'
    done
  fi
  [[ -n $T && -d $T ]] && rm -rf --one-file-system "$T" 2>/dev/null
  echo "1..$_checks"
  ((_todos > 0)) && echo "# $_todos known gap(s) of $(basename "$RUNTIME") failed as expected (TODO)"
  if ((_failed > 0)); then
    echo "# $_failed of $_checks checks failed (runtime $RUNTIME)"
    exit 1
  fi
  if ((rc != 0)); then
    echo "# aborted with status $rc (runtime $RUNTIME)"
    exit "$rc"
  fi
  echo "# all $_checks checks passed (runtime $RUNTIME)"
  exit 0
}

defer() { _deferred+=("$*"); }
keep_log() { _logs+=("$1"); }

# eng_init NAME: checks the common prerequisites, makes the temp dir $T and
# installs the cleanup trap.
eng_init() {
  : "${RUNTIME:?set RUNTIME to the OCI runtime binary to test}"
  ((EUID == 0)) || skip "needs root"
  [[ -x $RUNTIME ]] || skip "runtime $RUNTIME is not an executable file"
  RUNTIME=$(readlink -f "$RUNTIME")
  T=$(mktemp -d "/tmp/berth-eng-$1.XXXXXX")
  chmod 755 "$T"
  trap _eng_exit EXIT
  trap 'exit 130' INT TERM
  echo "# runtime: $RUNTIME ($("$RUNTIME" --version 2>/dev/null | head -n 1))"
  echo "# state: $T"
}

need_cmd() {
  local c
  for c; do command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"; done
}

_ok() {
  _checks=$((_checks + 1))
  if [[ -n $_todo ]]; then echo "ok $_checks - $1 # TODO known gap closed, remove it: $_todo"; _todo=""; return; fi
  echo "ok $_checks - $1"
}
_not_ok() {
  _checks=$((_checks + 1))
  if [[ -n $_todo ]]; then
    _todos=$((_todos + 1))
    echo "not ok $_checks - $1 # TODO $_todo"
    _todo=""
  else
    _failed=$((_failed + 1))
    echo "not ok $_checks - $1"
  fi
  shift
  local line
  for line; do printf '%s\n' "$line" | sed 's/^/#   /'; done
}

# known_gap RUNTIME_BASENAME REASON: the next check is a known gap of that runtime. It is
# still run and printed, as TAP's "# TODO": a failure is reported but does not fail the
# script, and a pass says the gap is closed (remove the known_gap line then).
_todo=""
known_gap() { [[ $(basename "$RUNTIME") == "$1" ]] && _todo=$2; }
_todos=0

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
  if [[ $3 == "$2" ]]; then _ok "$1"; else
    _not_ok "$1" "expected: '$2'" "actual:   '$3'"
  fi
}

# assert_contains NAME HAYSTACK NEEDLE
assert_contains() {
  if [[ $2 == *"$3"* ]]; then _ok "$1"; else
    _not_ok "$1" "expected to contain: '$3'" "actual: '$2'"
  fi
}

# assert_not_contains NAME HAYSTACK NEEDLE
assert_not_contains() {
  if [[ $2 != *"$3"* ]]; then _ok "$1"; else
    _not_ok "$1" "expected not to contain: '$3'" "actual: '$2'"
  fi
}

# assert_ok NAME CMD...: the command exits 0.
assert_ok() {
  local name=$1 out rc
  shift
  out=$("$@" 2>&1)
  rc=$?
  if ((rc == 0)); then _ok "$name"; else
    _not_ok "$name" "command failed with status $rc: $*" "$out"
  fi
}

# assert_fails NAME CMD...: the command exits non-zero.
assert_fails() {
  local name=$1 out
  shift
  if out=$("$@" 2>&1); then
    _not_ok "$name" "command succeeded but should have failed: $*" "$out"
  else _ok "$name"; fi
}

# out CMD...: the command's stdout+stderr with the trailing newline and any \r removed.
out() { "$@" 2>&1 | tr -d '\r'; }

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# start_daemon NAME LOG CMD...: starts CMD in the background, logging to LOG; its pid
# is written to $T/NAME.pid. Stopped (TERM, then KILL after 15 s) by the cleanup.
start_daemon() {
  local name=$1 log=$2
  shift 2
  keep_log "$log"
  "$@" >"$log" 2>&1 &
  echo $! >"$T/$name.pid"
  defer stop_daemon "$name"
}

stop_daemon() {
  local pidfile=$T/$1.pid pid i
  [[ -f $pidfile ]] || return 0
  pid=$(<"$pidfile")
  kill -TERM "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
  for ((i = 0; i < 75; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rm -f "$pidfile"
}

# kill_matching PATTERN: kills leftover processes whose command line contains
# PATTERN (a path under $T, so nothing else can match), e.g. shims and conmon.
kill_matching() {
  local pid
  for pid in $(pgrep -f -- "$1"); do
    [[ $pid == "$$" ]] || kill -KILL "$pid" 2>/dev/null
  done
}

# unmount_under DIR: lazily unmounts every mount at or below DIR, deepest first.
unmount_under() {
  local dir=$1
  awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
}

# remove_cgroup NAME: removes the cgroup directory NAME (and empty children) from
# every hierarchy. Only for cgroup parents the tests chose themselves.
remove_cgroup() {
  local name=$1 h
  [[ -n $name && $name != /* && $name != *..* ]] || return 0
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
    [[ -d $h$name ]] || continue
    # Processes an engine left behind in our cgroup (e.g. after a killed shim).
    find "$h$name" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  done
  sleep 0.2
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
    [[ -d $h$name ]] || continue
    find "$h$name" -depth -type d -exec rmdir {} + 2>/dev/null
  done
}

# cgroup_file PID CONTROLLER FILE: the host-side path of FILE in the v1 CONTROLLER
# cgroup of PID (or in its cgroup2 cgroup when the controller is on v2).
cgroup_file() {
  local pid=$1 ctl=$2 file=$3 line path
  line=$(grep -E "^[0-9]+:([^:]*,)?$ctl(,[^:]*)?:" "/proc/$pid/cgroup")
  if [[ -n $line ]]; then
    path=${line#*:*:}
    echo "/sys/fs/cgroup/$ctl$path/$file"
  else
    path=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    echo "/sys/fs/cgroup/unified$path/$file"
  fi
}

# The test image: busybox-static, its applets as symlinks, a page for httpd and an
# /etc/passwd with root and uid 1000.
make_rootfs() {
  local r=$1 a
  mkdir -p "$r"/{bin,dev,proc,sys,tmp,etc,www,root,home/user,var/www}
  cp /bin/busybox "$r/bin/busybox"
  for a in $("$r/bin/busybox" --list); do
    [[ $a == busybox ]] || ln -sf busybox "$r/bin/$a"
  done
  chmod 1777 "$r/tmp"
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' >"$r/etc/passwd"
  printf 'root:x:0:\nuser:x:1000:\n' >"$r/etc/group"
  echo "hello from berth engine test" >"$r/www/index.html"
}

# make_rootfs_tar TAR: a plain tar of the rootfs, for `podman import`/`docker import`.
make_rootfs_tar() {
  local r=$T/rootfs
  [[ -d $r ]] || make_rootfs "$r"
  tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$1" .
}

# _blob DIR FILE: moves FILE into the OCI layout's blobs and prints "digest size".
_blob() {
  local dir=$1 f=$2 d s
  d=$(sha256sum "$f" | cut -d' ' -f1)
  s=$(stat -c %s "$f")
  mv "$f" "$dir/blobs/sha256/$d"
  echo "sha256:$d $s"
}

# make_oci_archive OUT NAME=CMDJSON...: writes an OCI image archive (tar of an image
# layout) with one busybox layer and one image per NAME, each with its Cmd, e.g.
#   make_oci_archive x.tar 'localhost/bb:latest=["/bin/sh"]'
# Names are recorded in the index as io.containerd.image.name for `ctr images import`.
make_oci_archive() {
  local out=$1 lay=$T/oci-layout tmp=$T/oci-tmp diff layer ldig lsize cdig csize mdig msize
  local spec name cmd manifests=""
  shift
  rm -rf "$lay" "$tmp"
  mkdir -p "$lay/blobs/sha256" "$tmp"
  [[ -d $T/rootfs ]] || make_rootfs "$T/rootfs"
  tar --numeric-owner --owner=0 --group=0 -C "$T/rootfs" -cf "$tmp/layer.tar" .
  diff=sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
  gzip -n -1 "$tmp/layer.tar"
  read -r ldig lsize < <(_blob "$lay" "$tmp/layer.tar.gz")
  for spec; do
    name=${spec%%=*} cmd=${spec#*=}
    printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]},"history":[{"created_by":"berth engine tests"}]}' \
      "$cmd" "$diff" >"$tmp/config.json"
    read -r cdig csize < <(_blob "$lay" "$tmp/config.json")
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%s}]}' \
      "$cdig" "$csize" "$ldig" "$lsize" >"$tmp/manifest.json"
    read -r mdig msize < <(_blob "$lay" "$tmp/manifest.json")
    manifests+="${manifests:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$mdig\",\"size\":$msize,\"annotations\":{\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"${name##*:}\"},\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}"
  done
  printf '{"schemaVersion":2,"manifests":[%s]}' "$manifests" >"$lay/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
  tar -C "$lay" -cf "$out" oci-layout index.json blobs
  rm -rf "$lay" "$tmp"
}

# A seccomp profile that allows everything except mkdir/mkdirat (EPERM).
write_seccomp_no_mkdir() {
  cat >"$1" <<'EOF'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
  ]
}
EOF
}

# pty_run TIMEOUT INPUT CMD...: runs CMD on a new pseudo-terminal, types INPUT (lines
# separated by \n) once CMD has printed something or after a second, and prints
# everything the terminal showed.
pty_run() {
  "$PYTHON" "$ENG_DIR/pty_run.py" "$@"
}

# free_port: a TCP port nothing listens on, from 18080 up.
free_port() {
  local p
  for ((p = 18080; p < 18180; p++)); do
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
  return 1
}

# snapshot_iptables / restore_iptables: engines with port forwarding add rules and
# chains; the rules and chains present after the test that were not there before
# are deleted again (rules first, then chains).
_ipt_lines() {
  iptables-save 2>/dev/null | awk '/^\*/ { t = substr($0, 2) } /^:/ { print t "\t" $1 } /^-A / { print t "\t" $0 }'
}

snapshot_iptables() {
  command -v iptables-save >/dev/null || return 0
  _ipt_lines | sort >"$T/iptables.before"
  defer restore_iptables
}

restore_iptables() {
  [[ -f $T/iptables.before ]] || return 0
  local table line
  comm -13 "$T/iptables.before" <(_ipt_lines | sort) >"$T/iptables.new"
  while IFS=$'\t' read -r table line; do
    [[ $line == "-A "* ]] && eval "iptables -t $table -D ${line#-A }" 2>/dev/null
  done <"$T/iptables.new"
  while IFS=$'\t' read -r table line; do
    [[ $line == :* ]] || continue
    iptables -t "$table" -F "${line#:}" 2>/dev/null
    iptables -t "$table" -X "${line#:}" 2>/dev/null
  done <"$T/iptables.new"
}

# snapshot_links / remove_new_links: network interfaces an engine created.
snapshot_links() {
  ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort >"$T/links.before"
  defer remove_new_links
}

remove_new_links() {
  [[ -f $T/links.before ]] || return 0
  local l
  for l in $(comm -13 "$T/links.before" <(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | sort)); do
    ip link delete "$l" 2>/dev/null
  done
}

# snapshot_dir DIR / remove_new_entries DIR: entries a daemon made in a fixed global
# directory it cannot be told to move (e.g. containerd 1.6's shim sockets in
# /run/containerd/s), removed again if they are left behind.
snapshot_dir() {
  local key=${1//\//_}
  if [[ -d $1 ]]; then ls -A "$1" | sort >"$T/dir$key"; else echo "<absent>" >"$T/dir$key"; fi
  defer remove_new_entries "$1"
}

remove_new_entries() {
  local dir=$1 key=${1//\//_} e
  [[ -f $T/dir$key && -d $dir ]] || return 0
  if [[ $(<"$T/dir$key") == "<absent>" ]]; then
    # Only empty directories: a daemon outside the tests may have made it meanwhile.
    find "$dir" -depth -type d -empty -delete 2>/dev/null
    return 0
  fi
  for e in $(comm -13 "$T/dir$key" <(ls -A "$dir" | sort)); do
    rm -rf --one-file-system "${dir:?}/$e"
  done
}

# containerd_config DIR [cri]: prints a containerd 1.6 config (version = 2) with
# everything under DIR: root, state, gRPC and ttrpc sockets, plugin paths, logging at
# debug. Without "cri" the CRI plugin is disabled. No berth entry: start_containerd
# appends it, tests/kubernetes lets install-node.sh append it.
containerd_config() {
  local d=$1 cri=${2:-} disabled='"io.containerd.grpc.v1.cri"'
  mkdir -p "$d"/{root,state,opt,runc,fifo,cni-conf,cni-bin}
  [[ $cri == cri ]] && disabled=''
  cat <<EOT
version = 2
root = "$d/root"
state = "$d/state"
oom_score = 0
disabled_plugins = [$disabled]

[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
  level = "debug"
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"

# The CRI plugin (cri.sh): root cannot lower oom_score_adj here (no CAP_SYS_RESOURCE),
# the pause image is the local busybox one, CNI config and plugins are private, and so are
# the pods' network namespaces (pinned under the state dir, not /run/netns).
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  sandbox_image = "localhost/pause:latest"
  enable_selinux = false
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      BinaryName = "/usr/sbin/runc"
      Root = "$d/runc-default"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$d/cni-bin"
    conf_dir = "$d/cni-conf"

EOT
}

# run_containerd DIR CONFIG [WRAP...]: starts containerd on CONFIG (written by
# containerd_config DIR), under the command prefix WRAP if given (e.g. unshare), logging
# to $T/containerd.log, and waits for its socket. Sets CTR_SOCK. containerd 1.6 puts
# shim sockets in /run/containerd/s whatever the config says: they are removed by the
# shims, and anything left there is removed at exit.
run_containerd() {
  local d=$1 config=$2
  shift 2
  CTR_SOCK=$d/containerd.sock
  snapshot_dir /run/containerd
  start_daemon containerd "$T/containerd.log" "$@" containerd --config "$config"
  # Before the daemon's stop (deferred later, so run earlier): shims outlive it.
  defer unmount_under "$d"
  defer kill_matching "$CTR_SOCK"
  wait_for 30 ctr --address "$CTR_SOCK" version || { _not_ok "containerd starts" "$(tail -n 30 "$T/containerd.log")"; exit 1; }
}

# start_containerd [cri]: containerd_config under $T/containerd, plus berth's runtime
# entry from contrib/engines/containerd-config.toml with BinaryName set to $RUNTIME and
# a private runc root, then run_containerd.
start_containerd() {
  local d=$T/containerd
  mkdir -p "$d"
  containerd_config "$d" "${1:-}" >"$d/config.toml"
  sed -e "s|BinaryName = .*|BinaryName = \"$RUNTIME\"\n    Root = \"$d/runc\"|" \
    "$ENG_CONTRIB/containerd-config.toml" >>"$d/config.toml"
  run_containerd "$d" "$d/config.toml"
}

# cri_client_init: the CRI client (cri_client.py) for cri.sh and tests/kubernetes: skips
# without python3-grpcio/protobuf or the CRI api.proto, generates the Python stubs into
# $T/gen, and defines `cri CMD...` (on $CTR_SOCK, read at each call). Call it before
# start_containerd/run_containerd, and `defer cleanup_pods` after them (so the pods go
# before containerd stops).
cri_client_init() {
  local proto=${CRI_PROTO:-$ENG_TOP/../shared/cri/api.proto}
  need_cmd protoc
  "$PYTHON" -c 'import grpc, google.protobuf' 2>/dev/null || skip "python3-grpcio or python3-protobuf is not installed"
  [[ -f $proto ]] || proto=/work/shared/cri/api.proto
  [[ -f $proto ]] || skip "the CRI api.proto is not available"
  mkdir -p "$T/gen"
  protoc -I "$(dirname "$proto")" --python_out="$T/gen" "$(basename "$proto")" ||
    { _not_ok "protoc generates the CRI stubs"; exit 1; }
}
cri() { "$PYTHON" "$ENG_DIR/cri_client.py" "$CTR_SOCK" "$T/gen" "$@"; }

# cleanup_pods: stops and removes every container and pod sandbox, so no pod is left.
cleanup_pods() {
  local id rest
  cri list 2>/dev/null | while read -r id rest; do cri stop "$id" 0; cri rm "$id"; done
  cri listp 2>/dev/null | while read -r id rest; do cri stopp "$id"; cri rmp "$id"; done
}

# wait_status ID STATUS: polls the engine's status_of ID (each script defines it for its
# engine) for up to 10 s; fails when STATUS never shows.
wait_status() {
  local i
  for ((i = 0; i < 50; i++)); do
    [[ $(status_of "$1") == "$2" ]] && return 0
    sleep 0.2
  done
  return 1
}
