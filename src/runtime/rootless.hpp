// Running without root: the default state root, and the cgroup a caller may not write.
// Parent only.
//
// berth is "rootless" (global.rootless, runc's --rootless auto) when it is not root, or is
// root only inside a user namespace that does not own the host (rootless Podman runs the
// runtime in its pause process's user namespace). The kernel then refuses what only the
// host's root may do: a state directory under /run, a cgroup the user was not given, maps of
// ids the user does not own, mknod. This file holds the parent-side answers; the id maps
// are in sys/id_mapping.hpp, the mount fallbacks in sys/ and child/.
#pragma once

#include "cgroup/manager.hpp"
#include "oci/config.hpp"

#include <memory>
#include <optional>
#include <string>

namespace berth::runtime {

// runc's rule: $XDG_RUNTIME_DIR/berth for a caller that is not root, or root in a user
// namespace whose $USER is not "root"; /run/berth otherwise. Returns "" and fills `problem`
// (one line saying what to set) when the caller is not root and XDG_RUNTIME_DIR is unusable.
std::string default_state_root(std::string& problem);

// True when device nodes are bound from the host rather than made: the kernel refuses
// mknod in a user namespace, whether config.json asks for one (new or joined), berth is
// rootless, or berth itself runs in one (rootless Podman's pause process).
bool binds_devices(const oci::Config& config, bool rootless);

// The first field of `resources` that asks for a limit (".linux.resources.memory"), or ""
// for none. Device rules are not limits: in a user namespace they are enforced by binding
// only the allowed nodes (mknod is refused there).
std::string first_limit_field(const oci::Resources& resources);

// Makes the container's cgroup. When `rootless`, the cgroupfs driver makes it in each
// hierarchy the caller may write and leaves the others out (FsManager::
// create_where_permitted); when the kernel refuses every one (EACCES, EPERM, EROFS), a
// config without limits gets no cgroup (a manager whose saved_form() is "", as runc does)
// and one with a limit throws naming the field. Throws berth::Error otherwise.
std::shared_ptr<cgroup::Manager> create_cgroup(std::shared_ptr<cgroup::Manager> manager,
                                               const oci::Config& config, bool rootless);

}  // namespace berth::runtime
