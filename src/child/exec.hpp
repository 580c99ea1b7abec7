// The child side of `berth exec`: joins the running container's namespaces and applies
// the process attributes with the same steps as the init (child/process.hpp), then
// execs. Between clone and execve; no allocation.
#pragma once

#include "child/launch_plan.hpp"

#include <cstddef>
#include <cstdint>

namespace berth::child {

// A namespace of the container to join: an fd the parent opened on /proc/<init>/ns/*.
struct NamespaceFd {
    int fd = -1;
    int nstype = 0;  // CLONE_NEW*
};

struct ExecPlan {
    // Only process, seccomp and console_socket_fd are used (bind_console false).
    LaunchPlan launch;
    // In join order: the user namespace first, the mount namespace last. The pid
    // namespace is not here: the parent clones the child into it (pid_for_children).
    NamespaceFd ns[8];
    std::size_t ns_count = 0;
    // The init's root (O_PATH) when the container shares berth's mount namespace: joining
    // none, the process would keep the host's root, so it chroots there instead.
    int root_fd = -1;
    std::int64_t init_pid = 0;  // host pid of the container's init: names its keyring
};

// Child: waits for MsgType::go on `sync_fd`, joins the v1 cgroups in
// plan.launch.cgroup_join_fds (the parent placed it in the others), the namespaces, sets
// up the terminal, limits, seccomp, identity, cwd and execs. Never returns: a failure is
// one Message{error} on `sync_fd`, then _exit; EOF means execve.
[[noreturn]] void exec_child(const ExecPlan& plan, int sync_fd) noexcept;

}  // namespace berth::child
