// mount_setattr(2) on a detached bind tree, shared by the child (binds it makes) and the
// parent (idmapped binds it prepares). Header-only and noexcept: the child may call it.
#pragma once

#include "sys/mounts.hpp"

#include <fcntl.h>
#include <sys/mount.h>

#include <cstdint>

namespace berth::sys {

inline bool set_mount_attrs(int fd, unsigned flags, std::uint64_t set, std::uint64_t clr, std::uint64_t propagation,
                            int userns_fd = -1) noexcept {
    mount_attr attr{};
    attr.attr_set = set;
    attr.attr_clr = clr;
    attr.propagation = propagation;
    attr.userns_fd = static_cast<std::uint64_t>(userns_fd < 0 ? 0 : userns_fd);
    return ::mount_setattr(fd, "", AT_EMPTY_PATH | flags, &attr, sizeof attr) == 0;
}

// A detached copy of a bind's source (with its submounts for rbind), or -1 with errno.
inline int clone_bind_source(const MountOp& op) noexcept {
    return ::open_tree(AT_FDCWD, op.source.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (op.recursive ? AT_RECURSIVE : 0));
}

// A bind's flags, its recursive r* options and, with `userns_fd`, its idmapping, set on the
// detached tree: idmapping is only allowed there, and the mount never shows wrong flags.
inline bool set_bind_tree_attrs(int tree_fd, const MountOp& op, int userns_fd = -1) noexcept {
    if ((op.attr_set | op.attr_clr) != 0 && !set_mount_attrs(tree_fd, 0, op.attr_set, op.attr_clr, 0)) return false;
    if ((op.rec_attr_set | op.rec_attr_clr) != 0 &&
        !set_mount_attrs(tree_fd, AT_RECURSIVE, op.rec_attr_set, op.rec_attr_clr, 0))
        return false;
    if (op.idmap && !set_mount_attrs(tree_fd, op.idmap_recursive ? AT_RECURSIVE : 0, MOUNT_ATTR_IDMAP, 0, 0, userns_fd))
        return false;
    return true;
}

}  // namespace berth::sys
