// clone3 for the processes berth starts in a container (the init, exec'd processes).
#pragma once

#include <linux/sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>

namespace berth::runtime {

// clone3 with `flags`, into the cgroup2 directory `cgroup_fd` when it is >= 0 and with a
// pidfd in *pidfd when pidfd is not null. The child closes `parent_sync` and runs
// `body()`, which never returns. Returns the child's pid, or -1 with errno set.
template <typename Body>
long clone_child(std::uint64_t flags, int* pidfd, int cgroup_fd, int parent_sync, Body body) {
    clone_args args{};
    args.flags = flags;
    // With CLONE_PARENT clone3 wants 0: the child then signals as its caller does.
    args.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD;
    if (pidfd) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = reinterpret_cast<std::uint64_t>(pidfd);
    }
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
    }
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) {
        ::close(parent_sync);
        body();
    }
    return pid;
}

}  // namespace berth::runtime
