// The AppArmor profile of the container process, applied at its execve.
#pragma once

#include "child/child_util.hpp"
#include "sys/process_attrs.hpp"

namespace berth::child {

// Writes the plan's "exec <profile>" request to this task's AppArmor exec attribute, so
// the kernel confines the process from its execve on (what libapparmor's
// aa_change_onexec does). No-op without a profile. Must run before the uid changes: the
// task is non-dumpable, so its /proc files stay root's.
bool apply_apparmor(const sys::ProcessPlan& p, Failure& f) noexcept;

}  // namespace berth::child
