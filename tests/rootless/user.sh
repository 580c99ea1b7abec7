# The unprivileged user of the rootless tests. Sourced after tests/engines/lib.sh and
# eng_init. make_test_user creates a user of its own (useradd), with subordinate ids
# 100 000 wide from a base no other test uses, a home under $T and XDG_RUNTIME_DIR at
# /run/user/<uid> (0700, owned by it); everything (processes, user, ranges, runtime dir)
# is removed at exit, whatever the exit path. Sets RU (name), RUID, RGID, SUB (first
# subordinate id), RXDG. as_user CMD... runs CMD as that user with a clean environment.
need_cmd useradd userdel usermod runuser newuidmap newgidmap
source "$(dirname "${BASH_SOURCE[0]}")/../vm/podman-rootless-conf.sh"

make_test_user() {
  local base=$1
  RU=brl$$-${2:-t}
  SUB=$base
  useradd --home-dir "$T/home" --create-home --shell /bin/sh --user-group "$RU" >/dev/null 2>&1 ||
    skip "useradd $RU failed"
  defer remove_test_user "$RU"
  usermod --add-subuids "$SUB-$((SUB + 99999))" --add-subgids "$SUB-$((SUB + 99999))" "$RU" ||
    skip "usermod --add-subuids failed"
  RUID=$(id -u "$RU") RGID=$(id -g "$RU")
  RXDG=/run/user/$RUID
  [[ -e $RXDG ]] && skip "$RXDG exists already"
  install -d -m 0700 -o "$RU" -g "$RU" "$RXDG"
  # The runtime under test where the user can execute it.
  install -d -m 0755 "$T/bin"
  install -m 0755 "$RUNTIME" "$T/bin/$(basename "$RUNTIME")"
  URT=$T/bin/$(basename "$RUNTIME")
}

remove_test_user() {
  local u=$1 uid
  uid=$(id -u "$u" 2>/dev/null) || return 0
  pkill -KILL -U "$uid" 2>/dev/null
  sleep 0.2
  # Mounts the user's namespaces left visible here (none expected), then its files.
  [[ -d /run/user/$uid ]] && { unmount_under "/run/user/$uid"; rm -rf --one-file-system "/run/user/$uid"; }
  userdel --remove "$u" >/dev/null 2>&1
  # userdel drops the subordinate ranges with the user; make sure.
  sed -i "/^$u:/d" /etc/subuid /etc/subgid
}

# user_bundle DIR: a busybox bundle owned by the user, its config.json made by
# `$URT spec --rootless` as the user (a check) and kept as config.json.orig.
user_bundle() {
  local b=$1
  make_rootfs "$T/rootfs"
  as_user mkdir -p "$b"
  cp -a "$T/rootfs" "$b/rootfs"
  chown -R "$RU:$RU" "$b"
  assert_ok "spec --rootless as the user" as_user sh -c "cd $b && $URT spec --rootless"
  cp "$b/config.json" "$b/config.json.orig"
}

# state_left DIR: what a runtime left in its state root DIR, one entry a line; berth's .free
# (the emptied state directories a delete keeps for the next create,
# src/runtime/state_store.hpp) is not a container's.
state_left() { ls -A "$1" 2>/dev/null | grep -vx .free; }

# podman_config: rootless Podman's configuration in the user's home: the cgroupfs manager
# and file events (no systemd on the host), vfs storage in the home, its run root under
# XDG_RUNTIME_DIR, no registries (tests/vm/podman-rootless-conf.sh, which the qemu guest
# shares). Defines pm ARGS... (podman --runtime $URT as the user).
podman_config() {
  local h=$T/home
  podman_conf_files "$h" "$RXDG"
  chown -R "$RU:$RU" "$h/.config" "$h/tmp"
  keep_log "$h/events.log"
  defer "pm rm --all --force --time 0"
}
pm() { as_user podman --runtime "$URT" "$@"; }

as_user() {
  runuser -u "$RU" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$T/home" USER="$RU" \
    LOGNAME="$RU" XDG_RUNTIME_DIR="$RXDG" "$@"
}

# as_user_noxdg CMD...: the same without XDG_RUNTIME_DIR.
as_user_noxdg() {
  runuser -u "$RU" -- env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$T/home" USER="$RU" "$@"
}
