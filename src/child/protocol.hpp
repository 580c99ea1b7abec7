// The parent <-> init protocol over one SOCK_SEQPACKET socketpair: fixed-size records,
// so neither side allocates or frames. End of file on the parent's end means the init
// closed its end at execve (CLOEXEC) or died.
#pragma once

#include <cstddef>
#include <cstdint>

namespace berth::child {

enum class MsgType : std::uint32_t {
    go = 1,       // parent -> init: id maps written, cgroup joined; value = the init's host pid
    mounts_done,  // init -> parent: mounts made, before pivot_root: run the create hooks now
    hooks_done,   // parent -> init: the create hooks succeeded, continue
    ready,        // init -> parent: about to block on exec.fifo
    error,        // init -> parent: stage/detail/err say what failed; the init then _exits
    // child -> parent, SCMP_ACT_NOTIFY (child/filter.hpp): value = the fd number the
    // seccomp listener will get; the filter is loaded right after this message.
    seccomp_listener,
    // child -> parent: the listener, as SCM_RIGHTS; may come late or not at all when
    // the filter holds the send (the parent then took the fd with pidfd_getfd).
    seccomp_loaded,
    bind_trees,   // parent -> init, before go: value = count of SCM_RIGHTS bind trees attached
    step,         // child -> parent, only with LaunchPlan::report_steps: `stage` is done
};

// bind_trees messages carry at most this many fds (the kernel's SCM_MAX_FD is 253).
constexpr std::size_t kTreesPerMessage = 64;

struct Message {
    MsgType type{};
    std::int32_t err = 0;   // errno of a failure
    std::int64_t value = 0;
    char stage[48] = {};    // e.g. "mount", "pivot_root"
    char detail[256] = {};  // the path or name involved, truncated
};

}  // namespace berth::child
