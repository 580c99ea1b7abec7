// The last steps of every container process, init or exec'd: report a failure to the
// parent, or execute the process. Child side: no allocation, no exceptions.
#pragma once

#include "child/child_util.hpp"
#include "child/launch_plan.hpp"

namespace berth::child {

// Sends `f` as the error record over the sync socket (or, when the parent is gone, one
// line to stderr) and exits 127 for ENOENT, else 126.
[[noreturn]] void report_and_exit(int sync_fd, const Failure& f) noexcept;

// Final CPU affinity, default signal disposition and mask, the seccomp filter when
// `load_filter_here` (FilterPoint::last), then execve of exec_candidates[index]. Reports
// and exits if any of it fails.
[[noreturn]] void exec_process(const LaunchPlan& plan, int index, int sync_fd, bool load_filter_here) noexcept;

}  // namespace berth::child
