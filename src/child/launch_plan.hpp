// Everything the container init needs, decided by the parent before clone. The child
// only reads it (its copy of the parent's memory): no field is resized, no string built.
#pragma once

#include "sys/devices.hpp"
#include "sys/mempolicy.hpp"
#include "sys/mounts.hpp"
#include "sys/namespaces.hpp"
#include "sys/process_attrs.hpp"
#include "sys/seccomp.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace berth::child {

// A startContainer hook, run by the init itself after `start` released it: the hooks
// must run in the container's namespaces and resolve their path there.
struct HookExec {
    std::string path;
    sys::StringArray args;
    sys::StringArray env;
    int timeout_seconds = 0;  // 0: none
};

struct SysctlOp {
    std::string path;  // "/proc/sys/net/ipv4/ip_forward"
    std::string value;
};

struct LaunchPlan {
    sys::NamespacePlan ns;
    std::string rootfs;  // absolute host path
    bool readonly_root = false;
    unsigned long root_propagation = 0;  // rootfsPropagation as MS_* [| MS_REC]
    bool explicit_propagation = false;   // given: applied to the new "/" last (else it stays rslave)
    bool no_pivot = false;
    std::vector<sys::MountOp> mounts;
    std::string cwd_in_rootfs;  // process.cwd relative to the rootfs: made when missing
    sys::DevicePlan devices;
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    std::vector<SysctlOp> sysctls;
    bool set_hostname = false, set_domainname = false;
    std::string hostname, domainname;
    sys::ProcessPlan process;
    sys::MempolicyPlan mempolicy;  // linux.memoryPolicy: the init and every exec'd process
    sys::SeccompPlan seccomp;
    std::vector<HookExec> start_container_hooks;
    // The state document for startContainer hooks, split around the host pid that only
    // the parent's `go` message tells the init.
    std::string hook_state_prefix, hook_state_suffix;
    bool new_keyring = true;
    std::string keyring_name;  // "_ses.<id>.": the child appends the init's host pid
    bool stop_after_mounts = false;  // create hooks exist: wait for hooks_done
    // A parent without root enters the init's namespaces for the createContainer hooks:
    // the init stays dumpable until hooks_done (see container_init).
    bool dumpable_for_hooks = false;
    int console_socket_fd = -1;      // connected by the parent; receives the pty master
    bool bind_console = true;        // bind the pty slave over /dev/console (init, not exec)
    int state_dir_fd = -1;           // O_PATH of <root>/<id>: exec.fifo is opened through it
    // The "tasks" files of the container's v1 cgroups, opened O_WRONLY by the parent
    // (cgroup::Placement): the init writes "0" to each to join them itself, and closes them.
    std::vector<int> cgroup_join_fds;
    std::vector<std::string> cgroup_join_paths;  // the same files, for errors
    int lock_fd = -1;                // the parent's flock: the init's copy would hold it
    bool report_steps = false;       // --debug: send MsgType::step after each stage
};

// Child: the container init. Never returns: execs the process or _exits after sending
// one error record on `sync_fd`.
[[noreturn]] void container_init(const LaunchPlan& plan, int sync_fd) noexcept;

}  // namespace berth::child
