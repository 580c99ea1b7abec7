#include "sys/mempolicy.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/id_list.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>

namespace berth::sys {

namespace {

constexpr const char* kField = ".linux.memoryPolicy";

// linux/mempolicy.h; Debian 12's headers predate MPOL_WEIGHTED_INTERLEAVE (6.9).
struct Named {
    const char* name;
    int value;
};
constexpr Named kModes[] = {{"MPOL_DEFAULT", 0},         {"MPOL_PREFERRED", 1}, {"MPOL_BIND", 2},
                            {"MPOL_INTERLEAVE", 3},      {"MPOL_LOCAL", 4},     {"MPOL_PREFERRED_MANY", 5},
                            {"MPOL_WEIGHTED_INTERLEAVE", 6}};
constexpr int kStatic = 1 << 15, kRelative = 1 << 14, kBalancing = 1 << 13;
constexpr Named kFlags[] = {{"MPOL_F_STATIC_NODES", kStatic},
                            {"MPOL_F_RELATIVE_NODES", kRelative},
                            {"MPOL_F_NUMA_BALANCING", kBalancing}};

int lookup(const std::string& name, const Named* begin, const Named* end, const char* field) {
    auto it = std::find_if(begin, end, [&](const Named& n) { return name == n.name; });
    if (it == end) throw_error("{}.{}: unknown value \"{}\"", kField, field, name);
    return it->value;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::string join(const std::vector<unsigned>& ids) {
    std::string out;
    for (unsigned id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
    return out;
}

// set_mempolicy(2) returns EINVAL for these; say which rule the config broke.
void check_flags(const std::string& mode, int flags, bool has_nodes) {
    if ((flags & kStatic) && (flags & kRelative))
        throw_error("{}.flags: MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other", kField);
    const bool no_nodes = mode == "MPOL_DEFAULT" || mode == "MPOL_LOCAL" || (mode == "MPOL_PREFERRED" && !has_nodes);
    if (no_nodes && (flags & (kStatic | kRelative)))
        throw_error("{}.flags: {} without nodes takes no MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES", kField, mode);
    // 6.10 allows it with MPOL_PREFERRED_MANY as well; an older kernel refuses that itself.
    if ((flags & kBalancing) && mode != "MPOL_BIND" && mode != "MPOL_PREFERRED_MANY")
        throw_error("{}.flags: MPOL_F_NUMA_BALANCING needs mode MPOL_BIND or MPOL_PREFERRED_MANY", kField);
}

}  // namespace

MempolicyPlan build_mempolicy_plan(const oci::MemoryPolicy& policy, const std::optional<std::string>& online_nodes) {
    MempolicyPlan plan;
    plan.mode = lookup(policy.mode, std::begin(kModes), std::end(kModes), "mode");
    int flags = 0;
    for (const auto& f : policy.flags) flags |= lookup(f, std::begin(kFlags), std::end(kFlags), "flags");
    const auto nodes = text::parse_id_list(policy.nodes, kMaxNumaNodes, std::string(kField) + ".nodes", "node");
    check_flags(policy.mode, flags, !nodes.empty());
    if (!online_nodes) {
        if (policy.mode == "MPOL_DEFAULT") return plan;  // what every process has already
        throw_error("{}: this kernel has no NUMA support (no /sys/devices/system/node)", kField);
    }
    // Relative nodes are positions in the allowed set, folded modulo its size: any id is
    // valid. Otherwise the kernel silently drops a node that is not online, and refuses the
    // policy only when none is left; name the missing node instead.
    if (!(flags & kRelative)) {
        const std::string online = trim(*online_nodes);
        const auto host = text::parse_id_list(online, kMaxNumaNodes, "/sys/devices/system/node/online", "node");
        for (unsigned n : nodes) {
            if (!std::binary_search(host.begin(), host.end(), n))
                throw_error("{}.nodes: node {} is not online on this host (online: {})", kField, n, join(host));
        }
    }
    for (unsigned n : nodes) plan.nodemask[n / (8 * sizeof(unsigned long))] |= 1UL << (n % (8 * sizeof(unsigned long)));
    plan.maxnode = nodes.empty() ? 0 : kMaxNumaNodes + 1;
    plan.mode |= flags;
    plan.present = true;
    return plan;
}

MempolicyPlan build_mempolicy_plan(const oci::MemoryPolicy& policy) {
    return build_mempolicy_plan(policy, fs::read_file_if_exists("/sys/devices/system/node/online"));
}

int apply_mempolicy(const MempolicyPlan& plan) noexcept {
    if (!plan.present) return 0;
    const unsigned long* mask = plan.maxnode ? plan.nodemask.data() : nullptr;
    if (::syscall(SYS_set_mempolicy, plan.mode, mask, plan.maxnode) < 0) return -errno;
    return 0;
}

}  // namespace berth::sys
