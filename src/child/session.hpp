// What every container process (the init and each exec'd one) takes as its own before
// it runs anything of the container: a session, its stdio, a session keyring. Child
// side: no allocation, no exceptions.
#pragma once

#include "child/child_util.hpp"
#include "child/launch_plan.hpp"

#include <cstdint>

namespace berth::child {

// setsid(): the process leads a new session and process group, so a terminal's Ctrl-C
// or a signal to the caller's process group does not reach the container, and inside
// getsid/getpgrp name the process itself (runc does the same). Call it first: the
// console set-up makes the pty the controlling terminal of this session.
bool new_session(Failure& f) noexcept;

// Before the uid change: gives stdio that is an anonymous pipe or socket to the
// container's user (fchown of the uid only), so a non-root process can reopen its own
// /proc/self/fd/1 or /dev/stdout. runc and crun chown whatever the stdio is; berth
// leaves regular files, named FIFOs and host terminals alone: chowning them would
// change the host (a caller's log file, the admin's tty). The container's own pty is
// already the user's (setup_terminal). Owners the namespace cannot map (EPERM,
// EINVAL) and read-only files are left as they are, as in runc.
bool hand_over_stdio(const sys::ProcessPlan& p, Failure& f) noexcept;

// Joins the session keyring "_ses.<id>.<init_pid>" (plan.keyring_name + init_pid)
// unless plan.new_keyring is false, labelled for SELinux when a label is set. The init
// (share) makes its keyring searchable, by its uid or, with a user namespace, by anyone
// (the exec'd process may not be its owner), so `exec` joins the same keyring, as in
// runc. ENOSYS (no keyrings in the kernel) is not an error.
bool join_session_keyring(const LaunchPlan& plan, std::int64_t init_pid, bool share, Failure& f) noexcept;

// --debug: tells the parent that `step` is done (it logs it with the time it got the
// message). Nothing is sent when the parent did not ask for steps.
void report_step(const LaunchPlan& plan, int sync_fd, const char* step) noexcept;

}  // namespace berth::child
