// The descriptors a container process keeps across execve. Child side: no allocation.
#pragma once

#include "child/child_util.hpp"

namespace berth::child {

// Called first thing after clone, before any filter: marks every fd from 3 + preserve_fds
// up close-on-exec (what berth's caller left open without CLOEXEC: an engine's lock
// file, pipes) and clears the flag on 3 .. 3+preserve_fds-1 (--preserve-fds,
// LISTEN_FDS). Every fd the child opens afterwards is O_CLOEXEC itself, so at execve
// only stdio and the preserved fds survive. close_range(CLOSE_RANGE_CLOEXEC) does it in
// one call; where that fails (kernels before 5.11, or berth itself running under a
// filter that denies it) each fd listed in /proc/self/fd is marked with fcntl. Returns
// false, with f set, only if neither way worked: the container must not start then.
bool cloexec_inherited_fds(unsigned preserve_fds, Failure& f) noexcept;

}  // namespace berth::child
