// Child side, --no-pivot only: the host's procfs and sysfs mounts left in the container's
// mount namespace. No allocation.
#pragma once

#include "child/child_util.hpp"

namespace berth::child {

// Detaches (or, where the kernel refuses, covers with an empty read-only tmpfs) every
// proc and sysfs mount of the caller's mount namespace that is not `rootfs` or below it.
// Called before the rootfs is moved onto "/" without pivot_root.
//
// Why: a user namespace inside the container may mount a fresh proc or sysfs only if
// the mount namespace already holds one that is fully visible (the kernel's
// mount_too_revealing/mnt_already_visible), and that check walks every mount of the
// namespace, not only those reachable from the process's root. pivot_root detaches
// the old root with all the host's mounts; MS_MOVE + chroot leaves them below the new
// root, so the host's unmasked /proc would let the container mount a /proc without
// maskedPaths. runc's msMoveRoot does the same.
bool hide_host_kernel_fs(const char* rootfs, Failure& f) noexcept;

}  // namespace berth::child
