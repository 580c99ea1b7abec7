// Resource limits: names mapped and checked against what berth may grant in the parent,
// set with setrlimit in the child.
#pragma once

#include "oci/config.hpp"

#include <sys/resource.h>

#include <vector>

namespace berth::sys {

struct RlimitOp {
    int resource = 0;
    rlimit limit{};
};

// Throws, e.g. `.process.rlimits[0]: RLIMIT_NOFILE hard limit 1048576 exceeds the current
// hard limit 20000 and berth lacks CAP_SYS_RESOURCE`, or for an unknown type or soft > hard.
std::vector<RlimitOp> build_rlimit_plan(const std::vector<oci::Rlimit>& rlimits);

}  // namespace berth::sys
