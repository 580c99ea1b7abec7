#include "sys/seccomp.hpp"

#include "sys/seccomp_cache.hpp"
#include "sys/seccomp_compile.hpp"
#include "util/error.hpp"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace berth::sys {

SeccompPlan build_seccomp_plan(const oci::Seccomp& seccomp, const std::string& cache_dir) {
    // runtime-spec config-linux.md#seccomp: listenerMetadata "MUST NOT be set if
    // listenerPath is not set".
    if (!seccomp.listener_metadata.empty() && seccomp.listener_path.empty()) {
        throw_error(".linux.seccomp.listenerMetadata: set without listenerPath");
    }
    SeccompPlan plan;
    if (cache_dir.empty()) {
        plan = compile_seccomp(seccomp);
    } else {
        Sha256Digest key = seccomp_cache_key(seccomp);
        if (std::optional<SeccompPlan> cached = load_cached_seccomp(cache_dir, key)) {
            plan = std::move(*cached);
        } else {
            plan = compile_seccomp(seccomp);
            store_cached_seccomp(cache_dir, key, plan);
        }
    }
    // Without an agent to answer, the first notified syscall would block forever.
    if (plan.needs_listener && seccomp.listener_path.empty()) {
        throw_error(".linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
    }
    return plan;
}

int apply_seccomp(const SeccompPlan& plan) noexcept {
    if (plan.program.empty()) return 0;
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(plan.program.size());  // <= BPF_MAXINSNS, checked in the parent
    prog.filter = const_cast<sock_filter*>(plan.program.data());
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, plan.flags, &prog);
    if (rc < 0) return -errno;
    if (plan.needs_listener) return static_cast<int>(rc);
    // With TSYNC and no listener, a positive result is the id of a thread that could not
    // be synchronised: the filter is not installed.
    return rc == 0 ? 0 : -ESRCH;
}

}  // namespace berth::sys
