// clone3 for the processes berth starts in a container (the init, exec'd processes).
#pragma once

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <sys/wait.h>
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

namespace berth::runtime {

// For a caller without privilege over the container's namespaces (rootless berth exec):
// a forked helper (single-threaded, as setns(user) needs) joins `userns`, then `pidns`
// for its children when >= 0, and clones `body` with CLONE_PARENT, so the new process is
// the caller's own child and was born inside both. Joining the pid namespace needs
// CAP_SYS_ADMIN in the user namespace that owns it, which only the helper has. `body`
// must not join `userns` again. Returns the pid, or -1 with errno set.
template <typename Body>
long clone_in_user_namespace(int userns, int pidns, int cgroup_fd, int parent_sync, Body body) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) < 0) return -1;
    pid_t helper = ::fork();
    if (helper < 0) {
        int err = errno;
        ::close(report[0]);
        ::close(report[1]);
        errno = err;
        return -1;
    }
    if (helper == 0) {
        std::int64_t result;
        if (::setns(userns, CLONE_NEWUSER) < 0 || (pidns >= 0 && ::setns(pidns, CLONE_NEWPID) < 0)) {
            result = -errno;
        } else {
            long pid = clone_child(CLONE_PARENT, nullptr, cgroup_fd, parent_sync, body);
            result = pid < 0 ? -errno : pid;
        }
        ssize_t ignored = ::write(report[1], &result, sizeof result);
        (void)ignored;
        ::_exit(0);
    }
    ::close(report[1]);
    std::int64_t result = -EPIPE;
    ssize_t n = ::read(report[0], &result, sizeof result);
    ::close(report[0]);
    while (::waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof result)) result = -EPIPE;
    if (result < 0) {
        errno = static_cast<int>(-result);
        return -1;
    }
    return static_cast<long>(result);
}

}  // namespace berth::runtime
