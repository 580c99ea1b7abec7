// How the host's cgroup hierarchies are laid out, and where a container's cgroup goes in
// each of them. Runs in the parent. Read-only: nothing here creates or writes anything.
#pragma once

#include "cgroup/manager.hpp"

#include <optional>
#include <string>
#include <vector>

namespace berth::cgroup {

// One mounted hierarchy.
struct Hierarchy {
    std::string mount;                     // "/sys/fs/cgroup/memory", or the cgroup2 mount
    std::vector<std::string> controllers;  // {"cpu", "cpuacct"}, {"name=systemd"}; v2: available ones
    bool unified = false;                  // the cgroup2 hierarchy
    bool operator==(const Hierarchy&) const = default;
};

struct HostView {
    Layout layout = Layout::legacy;
    // True when `root` is not a cgroup filesystem but a plain directory laid out like one
    // (unit tests): control files are created on write and no kernel-only step is taken.
    bool emulated = false;
    std::vector<Hierarchy> v1;          // empty on a unified host
    std::optional<Hierarchy> unified;   // on hybrid and unified hosts
};

// detect_layout(root) (manager.hpp): statfs: cgroup2 → unified; a cgroup2 `unified` below →
// hybrid; else legacy. A root that is no cgroup filesystem at all is read by its marker files
// instead (cgroup.controllers, unified/cgroup.controllers), so tests can lay one out in a temp dir.

// Lists the hierarchies under `root`: v1 ones by directory name (each mounted at a directory
// named after its controllers, "cpu,cpuacct"; symlinks to them are skipped), plus cgroup2.
// Throws berth::Error when `root` cannot be read.
HostView discover_host(const std::string& root);

// Cleans a cgroup path lexically, as runc's utils.CleanPath: "." and empty parts dropped,
// ".." resolved without ever climbing above the start. Absolute stays absolute.
std::string clean_path(const std::string& path);

// The container's path inside every hierarchy, always from the hierarchy's root:
// linux.cgroupsPath cleaned, a relative one taken from the root too, and "/berth/<id>" when
// empty. runc 1.1 nests relative and empty paths under its caller's own cgroup instead; on
// managed hosts that is some service's cgroup (here the machine's own process_api), which a
// runtime must not write into, so berth keeps its default under a tree of its own.
std::string inner_path(const std::string& cgroups_path, const std::string& container_id);

// The cgroup directory of `inner` (from inner_path) in hierarchy `h`.
std::string resolve_path(const Hierarchy& h, const std::string& inner);

}  // namespace berth::cgroup
