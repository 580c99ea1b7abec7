// A verified handle on the container's procfs, for every write berth makes below /proc
// (sysctls, the AppArmor exec label). CVE-2025-52881: a bundle can mount over /proc or
// over files below it, so the handle must be the root of a real proc superblock and each
// write resolves beneath it without crossing a mount or following a link.
#pragma once

#include "child/child_util.hpp"

namespace berth::child {

// An O_PATH fd on /proc when it is the root of a proc filesystem; else -1 with f set.
int open_proc_root(Failure& f) noexcept;

// Opens `rel` (relative to the proc root) for writing; no "..", mount crossing or link
// is followed. Returns the fd or -errno.
int open_proc_file(int proc_fd, const char* rel) noexcept;

}  // namespace berth::child
