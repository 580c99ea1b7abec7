// The mount plan: every config.json mount with its options parsed into flags, mount
// attributes and fs data, in the parent. The child (src/child/rootfs.cpp) resolves each
// target inside the rootfs with openat2(RESOLVE_IN_ROOT) and mounts onto that fd.
#pragma once

#include "oci/config.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::sys {

enum class MountKind : std::uint8_t { bind, fs, cgroup };

// One cgroup hierarchy to show under a `cgroup` mount: mounted fresh (cgroup v1 with
// `options`, or cgroup2), at <target>/<name>. Aliases ("cpu" -> "cpu,cpuacct") are symlinks.
struct CgroupHierarchy {
    std::string name;
    std::string fstype;   // "cgroup" or "cgroup2"
    std::string options;  // controllers for v1
    bool symlink = false; // name -> options (the link target)
    // Without a cgroup namespace: the host directory of the container's own cgroup in this
    // hierarchy, bound read-only in place of a fresh mount (which would show the root).
    std::string bind_source;
};

struct MountOp {
    MountKind kind = MountKind::fs;
    std::string source;       // host path for a bind (absolute), or the fs source string
    std::string target;       // inside the rootfs, relative, cleaned, never empty
    std::string display;      // the destination as written, for error messages
    std::string fstype;
    std::string data;         // fs-specific options for mount(2)
    unsigned long flags = 0;  // MS_* for a new fs mount
    unsigned long propagation = 0;      // MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE [|MS_REC]
    std::uint64_t attr_set = 0, attr_clr = 0;          // top mount only (binds; cgroup: the hierarchies' binds)
    std::uint64_t rec_attr_set = 0, rec_attr_clr = 0;  // r* options: AT_RECURSIVE
    bool recursive = false;   // rbind
    bool source_is_dir = true;  // decides whether a missing target is a dir or a file
    bool mode_from_target = false;  // a tmpfs without mode=: takes the covered directory's mode
    bool readonly_last = false;     // `ro` tmpfs or /dev: made read-only after the nodes, the mounts below it, the console
    bool readonly_last_recursive = false;  // `rro`: with the mounts below it
    bool idmap = false;         // idmap/ridmap: MOUNT_ATTR_IDMAP
    bool idmap_recursive = false;
    std::string idmap_uid_map, idmap_gid_map;  // idmap: /proc/<pid>/{uid,gid}_map text
    // idmap: the detached tree, made by the parent with its attributes and idmapping (the
    // kernel wants privilege over the source's filesystem, which an init in a new user
    // namespace lacks); the child only attaches it. Owned by create.
    int prepared_tree_fd = -1;
    // With a user namespace: the tree is cloned from the host side and sent to the init,
    // which puts it at prepared_tree_fd (runtime/host_bind_trees.hpp).
    bool tree_from_host = false;
    int idmap_userns_fd = -1;  // idmap: the user namespace of its maps (owned by create)
    std::vector<CgroupHierarchy> cgroups;  // kind == cgroup
};

// Parsed mount options: what parse_mount_options() returns for one mount.
struct MountOptions {
    unsigned long flags = 0;
    unsigned long clear_flags = 0;
    unsigned long propagation = 0;
    std::uint64_t rec_attr_set = 0, rec_attr_clr = 0;
    bool bind = false, recursive = false, idmap = false, ridmap = false;
    std::string data;
};

// Pure: the runc option table ("ro", "rbind", "rprivate", "rnoexec", "mode=755" -> data...).
MountOptions parse_mount_options(const std::vector<std::string>& options);

// Every mount option name parse_mount_options() carries out (for `berth features`).
std::vector<std::string_view> known_mount_options();

// MS_* flags of a bind translated into mount_setattr attributes (set, clear).
void flags_to_attrs(unsigned long flags, unsigned long clear_flags, std::uint64_t& set, std::uint64_t& clr);

// `data` with linux.mountLabel's context= option added where the filesystem takes one.
std::string with_mount_label(const std::string& data, const std::string& fstype, const oci::Config& config);

// Builds the ops for config.mounts. `sysfs_mountable` false turns sysfs into a bind of /sys,
// `own_cgroup` is the container's cgroup path when it has no cgroup namespace of its own
// (empty otherwise): a cgroup mount then shows that directory of each hierarchy, as runc does. Throws naming `.mounts[i]`.
// Relative bind sources are taken from `bundle`.
std::vector<MountOp> build_mount_ops(const oci::Config& config, const std::string& bundle, bool sysfs_mountable,
                                     const std::string& own_cgroup);

}  // namespace berth::sys
