// Child side: the container's filesystem view. Between clone and execve; no allocation.
#pragma once

#include "child/child_util.hpp"
#include "child/launch_plan.hpp"
#include "child/old_root.hpp"

namespace berth::child {

// Before pivot_root: every mount made a slave, the rootfs bound onto itself, every config
// mount, /dev and its nodes and links. `root_fd` receives an O_PATH fd of the rootfs.
bool setup_rootfs(const LaunchPlan& plan, int& root_fd, Failure& f) noexcept;

// pivot_root (or MS_MOVE + chroot with --no-pivot); afterwards "/" is the rootfs and the
// old root is out of the namespace, though its unmount may still be finishing in a thread
// (old_root.hpp): `detach` must outlive the init's setup.
bool enter_rootfs(const LaunchPlan& plan, OldRootDetach& detach, Failure& f) noexcept;

// After pivot_root: the console, masked and read-only paths, sysctls, a read-only root,
// read-only what was filled while writable (a `ro` /dev), and last rootfsPropagation.
bool finish_rootfs(const LaunchPlan& plan, Failure& f) noexcept;

}  // namespace berth::child
