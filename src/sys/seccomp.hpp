// Seccomp: the filter is compiled with libseccomp in the parent and only loaded in the
// child, as the last step before execve.
#pragma once

#include "oci/config.hpp"

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

namespace berth::sys {

struct SeccompPlan {
    std::vector<sock_filter> program;  // the exported BPF; empty means "no filter"
    unsigned int flags = 0;            // SECCOMP_FILTER_FLAG_* for seccomp(2)
    bool needs_listener = false;       // some rule is SCMP_ACT_NOTIFY
};

// Parent: compiles the profile (or reads the cached BPF for the same profile from
// `cache_dir`, when not empty). Throws berth::Error naming the field, e.g.
// `.linux.seccomp.syscalls[3].names[0]: unknown syscall "foo"` when libseccomp rejects it.
SeccompPlan build_seccomp_plan(const oci::Seccomp& seccomp, const std::string& cache_dir);

// Child: loads the filter with seccomp(2). Returns the listener fd (>= 0) when
// plan.needs_listener, 0 when loaded without one, or -errno. Async-signal-safe:
// no allocation, no locks.
int apply_seccomp(const SeccompPlan& plan) noexcept;

}  // namespace berth::sys
