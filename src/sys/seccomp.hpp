// Seccomp: the filter is compiled with libseccomp in the parent and only loaded in the
// child, as the last step before execve.
//
// runtime-spec config-linux.md#seccomp. With SCMP_ACT_NOTIFY the child hands the listener
// fd that apply_seccomp() returns to the parent, which passes it on to listenerPath with
// send_seccomp_listener() (sys/seccomp_notify.hpp).
#pragma once

#include "oci/config.hpp"

#include <linux/filter.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace berth::sys {

struct SeccompPlan {
    std::vector<sock_filter> program;  // the exported BPF; empty means "no filter"
    unsigned int flags = 0;            // SECCOMP_FILTER_FLAG_* for seccomp(2)
    bool needs_listener = false;       // some rule is SCMP_ACT_NOTIFY
};

// Parent: compiles the profile (or reads the cached BPF for the same profile from
// `cache_dir`, when not empty; the directory is created if missing, and a missing,
// corrupt or unwritable cache only costs a compile). Throws berth::Error naming the
// field, e.g. `.linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`.
// As runc does, a syscall name libseccomp does not know is skipped (debug log), and a
// rule whose action equals the default action is skipped. Rules whose args repeat an
// index become one rule per arg (runc semantics: any of them matches).
// SECCOMP_FILTER_FLAG_NEW_LISTENER is added when any rule is SCMP_ACT_NOTIFY; then
// listenerPath is required. WAIT_KILLABLE_RECV is dropped when there is no listener
// (the kernel accepts it only with one); TSYNC gets TSYNC_ESRCH with a listener.
SeccompPlan build_seccomp_plan(const oci::Seccomp& seccomp, const std::string& cache_dir);

// Child: loads the filter with seccomp(2). Returns the listener fd (>= 0) when
// plan.needs_listener, 0 when loaded without one (or when plan.program is empty), or
// -errno. The caller has set no_new_privs or holds CAP_SYS_ADMIN. Async-signal-safe:
// no allocation, no locks.
int apply_seccomp(const SeccompPlan& plan) noexcept;

// The names berth recognises, for features.json (features-linux.md#seccomp): every
// action, operator, architecture (those the linked libseccomp knows) and flag that
// build_seccomp_plan() accepts. Static storage; safe anywhere.
std::span<const char* const> supported_seccomp_actions() noexcept;
std::span<const char* const> supported_seccomp_operators() noexcept;
std::span<const char* const> supported_seccomp_archs() noexcept;
std::span<const char* const> known_seccomp_flags() noexcept;

// Parent: the known flags this kernel accepts ("supportedFlags"), found by calling
// seccomp(2) with each flag and no program, as runc does: EFAULT means the flag passed
// the kernel's flag check. Never throws but std::bad_alloc.
std::vector<std::string> kernel_supported_seccomp_flags();

}  // namespace berth::sys
