#include "sys/rlimits.hpp"

#include "sys/capabilities.hpp"
#include "util/error.hpp"

#include <linux/capability.h>

#include <string_view>

namespace berth::sys {

namespace {

struct RlimitName {
    std::string_view name;
    int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},         {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},     {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},       {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},     {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK},
};

std::string show(rlim_t v) { return v == RLIM_INFINITY ? "unlimited" : std::to_string(v); }

}  // namespace

std::vector<RlimitOp> build_rlimit_plan(const std::vector<oci::Rlimit>& rlimits) {
    std::vector<RlimitOp> plan;
    bool may_raise = false, checked = false;
    for (size_t i = 0; i < rlimits.size(); ++i) {
        const auto& r = rlimits[i];
        int resource = -1;
        for (const auto& n : kRlimits)
            if (n.name == r.type) resource = n.resource;
        if (resource < 0) throw_error(".process.rlimits[{}].type: unknown rlimit \"{}\"", i, r.type);
        if (r.soft > r.hard)
            throw_error(".process.rlimits[{}]: {} soft limit {} exceeds its hard limit {}", i, r.type, r.soft, r.hard);
        rlimit current{};
        ::getrlimit(static_cast<__rlimit_resource>(resource), &current);
        // Raising a hard limit needs CAP_SYS_RESOURCE in the initial user namespace; a
        // user namespace does not grant it, so the parent's view decides for the child.
        if (r.hard > current.rlim_max) {
            if (!checked) {
                may_raise = have_capability(CAP_SYS_RESOURCE);
                checked = true;
            }
            if (!may_raise)
                throw_error(".process.rlimits[{}]: {} hard limit {} exceeds the current hard limit {} and berth lacks "
                            "CAP_SYS_RESOURCE",
                            i, r.type, show(r.hard), show(current.rlim_max));
        }
        plan.push_back({resource, {static_cast<rlim_t>(r.soft), static_cast<rlim_t>(r.hard)}});
    }
    return plan;
}

}  // namespace berth::sys
