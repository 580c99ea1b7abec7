// Safe access to a container's rootfs for berth-nvidia-hook (the lessons of
// CVE-2024-0132 and CVE-2025-23267): every container path is resolved below an O_PATH
// fd of the rootfs with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), so neither an
// absolute symlink nor ".." nor a /proc magic link in the image can lead outside, and
// mounts are attached to the fd that was resolved (move_mount), never to a path string
// the image could swap afterwards.
//
// Runs in the hook process, inside the container's mount namespace. Every function
// throws berth::Error naming the container path.
#pragma once

#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::hook {

// openat2() of container path `path` below `root`; flags are open flags (O_CLOEXEC is
// added). nullopt if it does not exist (ENOENT); other errors throw.
std::optional<UniqueFd> open_in_root(int root, std::string_view path, int flags);

// mkdir -p of container path `dir` inside the rootfs; returns an O_PATH fd of it.
UniqueFd make_dirs_in_root(int root, std::string_view dir, mode_t mode = 0755);

// Throws if a component of `dir` in the image is a symlink that a naive host-side
// resolution would follow out of the rootfs (an absolute target, or ".." climbing
// above "/"). Such an image is hostile or broken; libraries are never put there.
void refuse_escaping_symlinks(int root, std::string_view dir);

// An O_PATH fd of a mount point at container path `path`: an existing file or
// directory of that kind, or a new empty one (parents created). A symlink there is
// refused, as is a file where a directory is wanted and the reverse.
UniqueFd make_mountpoint(int root, std::string_view path, bool directory);

// Mount attributes from OCI/CDI mount options: ro, nosuid, nodev, noexec; rbind sets
// `recursive`. Other options (bind, rprivate, ...) need nothing here.
struct MountFlags {
    std::uint64_t attr = 0;  // MOUNT_ATTR_*
    bool recursive = false;
};
MountFlags mount_flags(const std::vector<std::string>& options);

// A detached copy of the host tree at `host_path` (open_tree OPEN_TREE_CLONE) with
// `flags` applied, ready to be attached.
UniqueFd clone_host_tree(const std::string& host_path, const MountFlags& flags);

// move_mount() of a detached tree onto the mount point fd.
void attach(int tree, int target, std::string_view what);

// Sets (and clears) mount attributes of the mount that `fd` is on.
void set_mount_attr(int fd, std::uint64_t set, std::uint64_t clear, std::string_view what);

// A new tmpfs, detached, nosuid,nodev,noexec, root directory mode `mode`.
UniqueFd new_tmpfs(mode_t mode, std::string_view what);

// Splits "/a/b/c" into ("/a/b", "c"); throws on "/" or a trailing "/..".
std::pair<std::string, std::string> split_parent(std::string_view path);

}  // namespace berth::hook
