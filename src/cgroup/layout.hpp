// How the host's cgroup hierarchies are laid out, and where a container's cgroup goes in
// each of them. Runs in the parent. Read-only: nothing here creates or writes anything.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cgroup {

enum class Layout { legacy, hybrid, unified };  // v1 only, v1 + cgroup2 at /unified, v2 only

// One mounted hierarchy.
struct Hierarchy {
    std::string mount;                     // "/sys/fs/cgroup/memory", or the cgroup2 mount
    std::vector<std::string> controllers;  // {"cpu", "cpuacct"}, {"name=systemd"}; v2: available ones
    bool unified = false;                  // the cgroup2 hierarchy
    bool operator==(const Hierarchy&) const = default;
};

struct HostView {
    Layout layout = Layout::legacy;
    // True only for a test's plain directory laid out like a cgroup tree (built by the unit
    // tests, never by discover_host()): control files are created on write and no
    // kernel-only step is taken.
    bool emulated = false;
    std::vector<Hierarchy> v1;          // empty on a unified host
    std::optional<Hierarchy> unified;   // on hybrid and unified hosts
};

// The hierarchies that `mountinfo` (the text of /proc/self/mountinfo) mounts, as runc and
// crun find them; a directory under /sys/fs/cgroup that no cgroup filesystem is mounted on
// is no hierarchy. The layout: unified when cgroup2 is mounted at /sys/fs/cgroup, hybrid
// when at /sys/fs/cgroup/unified, legacy otherwise (a cgroup2 mount elsewhere is ignored).
// v1 controllers come from each mount's super options ("rw,cpu,cpuacct"); a hierarchy
// mounted twice counts once (the first mount); a named hierarchy without controllers
// (name=systemd) counts only when mounted directly under /sys/fs/cgroup. Pure: the v2
// controllers are left empty for the caller to read. Throws nothing; a malformed line is
// skipped.
HostView parse_mountinfo(std::string_view mountinfo);

// This host's hierarchies: one read of /proc/self/mountinfo (parse_mountinfo) and of the
// cgroup2 root's cgroup.controllers. Throws berth::Error when mountinfo cannot be read.
HostView discover_host();

// The layout alone, by one statfs of /sys/fs/cgroup (and of /sys/fs/cgroup/unified).
Layout detect_layout();

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
