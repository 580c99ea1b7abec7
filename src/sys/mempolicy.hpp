// The NUMA memory policy of the container's processes (runtime-spec config-linux.md#memory-policy):
// build_mempolicy_plan() checks mode, flags and nodes against this host in the parent;
// apply_mempolicy() is the one set_mempolicy(2) call the init (and each exec'd process)
// makes before its seccomp filter. The policy is inherited across fork and execve.
#pragma once

#include "oci/config.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace berth::sys {

// Node ids above this are refused (the kernel's largest MAX_NUMNODES, NODES_SHIFT 10).
inline constexpr unsigned kMaxNumaNodes = 1024;

struct MempolicyPlan {
    bool present = false;
    int mode = 0;  // MPOL_* | MPOL_F_*, as set_mempolicy takes it
    std::array<unsigned long, kMaxNumaNodes / (8 * sizeof(unsigned long))> nodemask{};
    unsigned long maxnode = 0;  // bits the kernel reads from nodemask, plus one (its convention)
};

// `online_nodes`: the contents of /sys/devices/system/node/online, or nullopt on a kernel
// without NUMA. Throws berth::Error naming the field: `.linux.memoryPolicy.nodes: node 5 is
// not online on this host (online: 0)`, `.linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and
// MPOL_F_RELATIVE_NODES exclude each other`. Mode and flag names were checked by the parser.
MempolicyPlan build_mempolicy_plan(const oci::MemoryPolicy& policy, const std::optional<std::string>& online_nodes);
// The same with this host's node list.
MempolicyPlan build_mempolicy_plan(const oci::MemoryPolicy& policy);

// Child: 0, or -errno. No allocation.
int apply_mempolicy(const MempolicyPlan& plan) noexcept;

}  // namespace berth::sys
