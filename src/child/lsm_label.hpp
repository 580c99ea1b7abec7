// Linux security module labels of the container process (AppArmor, SELinux), written to
// the task's own /proc/<pid>/attr files through the verified procfs handle; the kernel
// applies them at execve (and to keyrings the task creates).
#pragma once

#include "child/child_util.hpp"
#include "sys/process_attrs.hpp"

namespace berth::child {

// The exec labels: AppArmor's "exec <profile>" (what libapparmor's aa_change_onexec
// writes) and SELinux's context (setexeccon). No-op without either. Must run before the
// uid changes: the task is non-dumpable, so its /proc files stay root's.
bool apply_exec_labels(const sys::ProcessPlan& p, Failure& f) noexcept;

// SELinux: the label of the session keyring the init is about to create
// (setkeycreatecon), so the confined process can use it. No-op without a label.
bool label_new_keyring(const sys::ProcessPlan& p, Failure& f) noexcept;

}  // namespace berth::child
