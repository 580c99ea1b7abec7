# Sourced by tests/rootless/user.sh, tests/vm/guest-rootless-net.sh and
# guest-rootless-systemd.sh (the guest sees only tests/vm): rootless Podman's configuration
# for a test user.
# podman_conf_files HOME RUNDIR [MANAGER]: writes HOME/.config/containers/{containers,storage,
# registries}.conf: the cgroup MANAGER (default cgroupfs: no systemd) and file events, vfs storage in HOME,
# the run root under RUNDIR (the user's XDG_RUNTIME_DIR), no registries, image copies in
# HOME/tmp (/var/tmp may not be the user's). The caller chowns HOME/.config.
podman_conf_files() {
  local h=$1 run=$2 manager=${3:-cgroupfs}
  mkdir -p "$h/.config/containers" "$h/tmp"
  cat >"$h/.config/containers/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024"]
pids_limit = 0

[engine]
cgroup_manager = "$manager"
events_logger = "file"
events_logfile_path = "$h/events.log"
image_copy_tmp_dir = "$h/tmp"
CONF
  cat >"$h/.config/containers/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$h/storage"
runroot = "$run/containers"
CONF
  printf 'unqualified-search-registries = []\n' >"$h/.config/containers/registries.conf"
}
