#!/bin/sh
# Puts berth on a Kubernetes node, or takes it off again; run by the DaemonSet in
# daemonset.yaml (privileged, the host's / mounted at $HOST_ROOT), or by hand as root.
#   install-node.sh install     copy berth (and berth-nvidia-hook) to the host, add the
#                               runtime entry "berth" to containerd's config, restart
#                               containerd, label the node berth.io/runtime=true
#   install-node.sh uninstall   undo exactly what install did
# Install is idempotent. Everything it wrote is listed in $HOST_ROOT$STATE_FILE, with
# backups of what it replaced, so uninstall restores the host byte for byte (when the
# containerd config was edited in between, only berth's block is cut out of it).
# containerd's version comes from config.toml: `version = 2` is containerd 1.6/1.7
# (containerd-1.x.toml), `version = 3` is 2.x (containerd-2.x.toml); anything else is
# refused. The entry is appended between marker lines rather than dropped into a conf.d
# import, because containerd replaces a plugin's whole table with an imported file's.
# Environment (defaults are the DaemonSet's):
#   HOST_ROOT       where the host's / is mounted (/host; "" on the node itself)
#   BERTH_SRC       directory holding berth, berth-systemd, berth-nvidia-hook and the .toml entries
#                   (the directory of this script)
#   BIN_DIR         host path for berth (/usr/local/sbin); HOOK_DIR for the hook
#                   (/usr/local/libexec)
#   CONTAINERD_CONFIG  host path of containerd's config (/etc/containerd/config.toml)
#   RESTART_CMD     restarts containerd on the host (nsenter into PID 1's namespaces,
#                   `systemctl restart containerd`; needs hostPID)
#   LABEL_CMD       run as `$LABEL_CMD KEY=VALUE` or `$LABEL_CMD KEY-` to set or remove a
#                   node label (kubectl label node $NODE_NAME ... --overwrite)
set -eu

HOST_ROOT=${HOST_ROOT-/host}
HOST_ROOT=${HOST_ROOT%/}
BERTH_SRC=${BERTH_SRC:-$(cd "$(dirname "$0")" && pwd)}
BIN_DIR=${BIN_DIR:-/usr/local/sbin}
HOOK_DIR=${HOOK_DIR:-/usr/local/libexec}
CONTAINERD_CONFIG=${CONTAINERD_CONFIG:-/etc/containerd/config.toml}
STATE_FILE=${STATE_FILE:-/var/lib/berth-install/installed}
RESTART_CMD=${RESTART_CMD:-nsenter --target 1 --mount --uts --ipc --net --pid -- systemctl restart containerd}
LABEL_CMD=${LABEL_CMD:-kubectl label node ${NODE_NAME:-} --overwrite}
BEGIN_MARK='# BEGIN berth runtime entry (install-node.sh; removed by install-node.sh uninstall)'
END_MARK='# END berth runtime entry'

die() { echo "install-node.sh: $*" >&2; exit 1; }
h() { printf '%s%s' "$HOST_ROOT" "$1"; }
state() { h "$STATE_FILE"; }

# record KIND PATH: appends one line to the state file (kinds: dir, file, backup, config);
# until the state file's own directory exists, lines wait in $pending.
pending=
record() {
  if [ ! -d "$(dirname "$(state)")" ]; then pending="$pending$1 $2
"; return 0; fi
  [ -z "$pending" ] || { printf '%s' "$pending" >>"$(state)"; pending=; }
  grep -qxF "$1 $2" "$(state)" 2>/dev/null || echo "$1 $2" >>"$(state)"
}

# mkdirs DIR: creates the missing components of host directory DIR, recording each.
mkdirs() {
  [ -d "$(h "$1")" ] && return 0
  mkdirs "$(dirname "$1")"
  mkdir "$(h "$1")"
  record dir "$1"
}

# put SRC HOSTPATH: installs SRC at HOSTPATH (mode 755); a file that was there before and
# is not ours is kept as HOSTPATH.pre-berth and put back by uninstall.
put() {
  src=$1 dst=$(h "$2")
  [ -f "$src" ] || die "install: source '$src' is missing"
  mkdirs "$(dirname "$2")"
  if [ -e "$dst" ] && ! grep -qxF "file $2" "$(state)"; then
    mv "$dst" "$dst.pre-berth"
    record backup "$2"
  fi
  if ! cmp -s "$src" "$dst"; then
    cp "$src" "$dst.berth-tmp" && chmod 755 "$dst.berth-tmp" && mv "$dst.berth-tmp" "$dst"
  fi
  record file "$2"
}

# config_version FILE: 2 or 3 from the `version = N` line of containerd's config.
config_version() {
  v=$(sed -n 's/^[[:space:]]*version[[:space:]]*=[[:space:]]*\([0-9]*\)[[:space:]]*\(#.*\)\{0,1\}$/\1/p' "$1" | head -n 1)
  case $v in
    2) echo 1.x ;;
    3) echo 2.x ;;
    *) die "install: containerd config '$CONTAINERD_CONFIG' has version '${v:-none}': only version = 2 (containerd 1.6/1.7) and version = 3 (2.x) are supported" ;;
  esac
}

# strip_block FILE: FILE without the lines from BEGIN_MARK to END_MARK.
strip_block() { awk -v b="$BEGIN_MARK" -v e="$END_MARK" '$0 == b { skip = 1 } !skip { print } $0 == e { skip = 0 }' "$1"; }

# check_config: refuses (before anything is written) a host whose containerd config is
# missing, of an unknown version, or has a "berth" runtime of its own. Sets cfg, entry.
check_config() {
  cfg=$(h "$CONTAINERD_CONFIG")
  [ -f "$cfg" ] || die "install: containerd config '$CONTAINERD_CONFIG' is missing under host root '${HOST_ROOT:-/}'"
  ver=$(config_version "$cfg") || exit 1
  entry=$BERTH_SRC/containerd-$ver.toml
  [ -f "$entry" ] || die "install: runtime entry '$entry' is missing"
  [ -f "$BERTH_SRC/berth" ] || die "install: source '$BERTH_SRC/berth' is missing"
  if ! grep -qxF "$BEGIN_MARK" "$cfg" && grep -q '\.runtimes\.berth\]' "$cfg"; then
    die "install: containerd config '$CONTAINERD_CONFIG' already has a runtime 'berth' not written by install-node.sh"
  fi
}

# add_runtime_entry: appends the entry for the config's version between the markers;
# false when the config already had exactly that.
add_runtime_entry() {
  if ! grep -qxF "config $CONTAINERD_CONFIG" "$(state)"; then
    cp -p "$cfg" "$cfg.pre-berth"
  fi
  {
    strip_block "$cfg.pre-berth"
    echo "$BEGIN_MARK"
    sed "s|^\([[:space:]]*BinaryName = \).*|\1\"$BIN_DIR/berth\"|" "$entry"
    echo "$END_MARK"
  } >"$cfg.berth-tmp"
  if cmp -s "$cfg.berth-tmp" "$cfg"; then rm -f "$cfg.berth-tmp"; return 1; fi
  cat "$cfg.berth-tmp" >"$cfg" && rm -f "$cfg.berth-tmp"
  record config "$CONTAINERD_CONFIG"
  sha256sum <"$cfg" | cut -d' ' -f1 >"$cfg.berth-sha256"
  return 0
}

install() {
  check_config
  mkdirs "$(dirname "$STATE_FILE")"
  [ -f "$(state)" ] || : >"$(state)"
  put "$BERTH_SRC/berth" "$BIN_DIR/berth"
  # The static berth's systemd cgroup driver (SystemdCgroup = true): it looks beside itself.
  [ -f "$BERTH_SRC/berth-systemd" ] && put "$BERTH_SRC/berth-systemd" "$BIN_DIR/berth-systemd"
  [ -f "$BERTH_SRC/berth-nvidia-hook" ] && put "$BERTH_SRC/berth-nvidia-hook" "$HOOK_DIR/berth-nvidia-hook"
  if add_runtime_entry; then
    $RESTART_CMD || die "install: restarting containerd failed: $RESTART_CMD"
  fi
  $LABEL_CMD berth.io/runtime=true || die "install: labelling the node failed: $LABEL_CMD"
  if [ -e "$(h /dev/nvidiactl)" ]; then $LABEL_CMD berth.io/gpu=true || die "install: labelling the node failed"; fi
  echo "install-node.sh: berth installed at ${HOST_ROOT}$BIN_DIR/berth; containerd runtime handler 'berth'"
}

restore_config() {
  cfg=$(h "$1")
  if [ -f "$cfg" ] && [ "$(sha256sum <"$cfg" | cut -d' ' -f1)" = "$(cat "$cfg.berth-sha256" 2>/dev/null)" ]; then
    cat "$cfg.pre-berth" >"$cfg"
    touch -r "$cfg.pre-berth" "$cfg"
    rm -f "$cfg.pre-berth"
  elif [ -f "$cfg" ]; then
    strip_block "$cfg" >"$cfg.berth-tmp" && cat "$cfg.berth-tmp" >"$cfg" && rm -f "$cfg.berth-tmp"
    echo "install-node.sh: '$1' changed since install: cut out berth's entry only, the original is kept as '$1.pre-berth'" >&2
  fi
  rm -f "$cfg.berth-sha256"
}

uninstall() {
  [ -f "$(state)" ] || { echo "install-node.sh: nothing to uninstall (no '$STATE_FILE')"; return 0; }
  # Newest first: directories after the files in them.
  tac "$(state)" | while read -r kind path; do
    case $kind in
      config) restore_config "$path"; $RESTART_CMD || echo "install-node.sh: restarting containerd failed: $RESTART_CMD" >&2 ;;
      file) rm -f "$(h "$path")" ;;
      backup) mv "$(h "$path").pre-berth" "$(h "$path")" ;;
      dir) [ "$path" = "$(dirname "$STATE_FILE")" ] || rmdir "$(h "$path")" 2>/dev/null || true ;;
    esac
  done
  $LABEL_CMD berth.io/runtime- >/dev/null 2>&1 || true
  $LABEL_CMD berth.io/gpu- >/dev/null 2>&1 || true
  dirs=$(sed -n 's/^dir //p' "$(state)")
  rm -f "$(state)"
  for d in $(echo "$dirs" | tac); do rmdir "$(h "$d")" 2>/dev/null || true; done
  echo "install-node.sh: berth uninstalled"
}

case ${1:-} in
  install) install ;;
  uninstall) uninstall ;;
  *) die "usage: install-node.sh install|uninstall (got '${1:-}')" ;;
esac
