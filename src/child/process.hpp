// Child side: process attributes, the console, startContainer hooks and execve.
// Between clone and execve; no allocation.
#pragma once

#include "child/child_util.hpp"
#include "child/launch_plan.hpp"

#include <cstdint>

namespace berth::child {

// Joins the container's v1 cgroups: writes "0" to each of plan.cgroup_join_fds and
// closes them (cgroup::Placement). First thing after `go`, in the init and the exec child.
bool join_cgroups(const LaunchPlan& plan, Failure& f) noexcept;

// rlimits, scheduler, I/O priority, personality (before the user switch: raising some
// of them needs privileges the final user lacks).
bool apply_limits(const LaunchPlan& plan, Failure& f) noexcept;

// setgroups/setresgid/setresuid and the five capability sets, in the order that keeps
// the capabilities across the uid change; then no_new_privs and the umask.
bool apply_identity(const LaunchPlan& plan, Failure& f) noexcept;

// The pty: master from the container's devpts to the console socket, slave as the
// controlling terminal (of the session new_session() made) and stdio, bound over
// /dev/console.
bool setup_terminal(const LaunchPlan& plan, Failure& f) noexcept;

// Index into plan.process.exec_candidates of the first executable one, or -1 (f set).
int find_executable(const LaunchPlan& plan, Failure& f) noexcept;

// Runs each startContainer hook with the state on stdin; `host_pid` fills the state.
bool run_start_hooks(const LaunchPlan& plan, std::int64_t host_pid, Failure& f) noexcept;

}  // namespace berth::child
