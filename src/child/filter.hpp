// Loading the seccomp filter in a container process, and offering its listener to the
// parent. Child side: no allocation, no exceptions.
//
// After the filter every syscall berth makes is subject to it. With noNewPrivileges
// false the filter has to come before the capability drop (loading it then needs
// CAP_SYS_ADMIN), so the steps after it use only syscalls that every profile written
// for runc allows (prctl, capset, setres[ug]id, setgroups, newfstatat, faccessat,
// sendto, openat, write, close, pipe2, clone, dup2, wait4, rt_sigtimedwait, kill,
// rt_sigaction, rt_sigprocmask, sched_setaffinity, execve): none of faccessat2,
// close_range, clone3, openat2 or pidfd_*, which older default-deny profiles deny.
#pragma once

#include "child/child_util.hpp"
#include "child/launch_plan.hpp"

namespace berth::child {

// Where a process loads its filter. DESIGN.md: last before execve wherever possible.
enum class FilterPoint {
    none,             // no filter
    before_identity,  // noNewPrivileges false: seccomp(2) needs CAP_SYS_ADMIN, so before the drop
    before_ready,     // the init with noNewPrivileges and a listener: the berth that runs
                      // create must take the listener, and it stops listening at `ready`
    last,             // just before execve
};

FilterPoint filter_point(const LaunchPlan& plan, bool init) noexcept;

// Loads plan.seccomp. With SCMP_ACT_NOTIFY the parent must get the listener although
// any syscall after seccomp(2) may be one the filter holds for the agent (a deadlock
// while nobody but this process holds the listener). So the child first announces,
// while still unfiltered, the fd number the listener will get (MsgType::seccomp_listener:
// the lowest free fd, which seccomp(2) allocates); the parent can then take it with
// pidfd_getfd whatever the child is blocked in. The child also offers it on the sync
// socket (MsgType::seccomp_loaded, SCM_RIGHTS), which is the parent's fast path and its
// way where pidfd_getfd is not allowed. The child's own copy is CLOEXEC: gone at execve.
bool load_filter(const LaunchPlan& plan, int sync_fd, Failure& f) noexcept;

}  // namespace berth::child
