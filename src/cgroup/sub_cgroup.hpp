// `exec --cgroup [CONTROLLER[,CONTROLLER]:]PATH` (runc's flag): the exec'd process goes
// to an existing sub-cgroup PATH of the container's cgroup, in the named controllers'
// hierarchies, or in all of them when none is named.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::cgroup {

struct SubCgroup {
    std::vector<std::string> controllers;  // empty: every hierarchy
    std::string path;                      // relative, cleaned, never empty
};

// Throws berth::Error naming --cgroup for an empty path, a path that leaves the
// container's cgroup (".."), or an empty controller name.
SubCgroup parse_sub_cgroup(std::string_view value);

}  // namespace berth::cgroup
