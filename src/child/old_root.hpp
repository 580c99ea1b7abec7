// Child side: the old root after pivot_root, detached without waiting for its unmount.
// Between clone and execve; no allocation.
//
// umount2(MNT_DETACH) takes the old root (the whole copy of the host's mount table) out
// of the namespace at once, then waits in synchronize_rcu_expedited() before it frees the
// mounts: 0.05-0.5 ms on an idle 2-core VM, up to 5 ms while it is loaded. A thread of
// the init (CLONE_THREAD: nothing to reap, and execve's de_thread ends it) makes the call,
// and the init waits only until the old root is out of its namespace, seen through
// statmount(2) (ENOENT), and before it resolves any path: while the old root is stacked
// on "/", ".." from the root follows it into the host's tree, and `berth exec`'s setns
// would land there too. So what create guarantees is unchanged. Without statmount (kernels before 6.8), without a thread
// (pids.max) or off x86-64, the init waits for the whole call, as before.
#pragma once

#include "child/child_util.hpp"

#include <cstdint>

namespace berth::child {

struct OldRootDetach {
    std::uint64_t mnt_id = 0;  // statx STATX_MNT_ID_UNIQUE of the old root; 0: not known
    volatile int tid = 0;      // the thread's; the kernel zeroes it when the thread is gone
    volatile int done = 0;     // 1 once its umount2 returned
    volatile int err = 0;      // that call's errno
    bool started = false;
};

// The cwd is the old root (made a slave): detaches it, in a thread when one can be made.
bool start_old_root_detach(int old_root_fd, OldRootDetach& d, Failure& f) noexcept;

// Returns once the old root is out of the mount namespace; false when the detach failed.
bool wait_old_root_detached(OldRootDetach& d, Failure& f) noexcept;

}  // namespace berth::child
