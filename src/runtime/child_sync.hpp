// The parent's end of the sync socket with a container process (child/protocol.hpp):
// the child's error record as an exception, and the seccomp listener hand-off.
// Parent only; throws berth::Error.
#pragma once

#include "child/protocol.hpp"
#include "oci/config.hpp"

#include <string>
#include <sys/types.h>

namespace berth::runtime {

// Throws the child's error record as `<stage> "<detail>": <errno text>`.
[[noreturn]] void throw_child_error(child::Message m);

// Where the listener goes: linux.seccomp's listenerPath and listenerMetadata, and the
// container process state's pid and state (runtime-spec config-linux.md#seccomp).
struct ListenerTarget {
    const oci::Seccomp* seccomp = nullptr;
    pid_t pid = 0;           // the filtered process, as berth sees it
    std::string state_json;  // runtime.md#state of the container
};

// After the child's MsgType::seccomp_listener (value: the fd number its listener gets):
// takes the listener, from the child's MsgType::seccomp_loaded on `sync` or, when that
// does not come because the filter holds the child's send for the agent, from the child
// itself with pidfd_getfd on `pidfd`; then sends it with the state to listenerPath and
// closes berth's copy. Throws, naming the path, when the agent cannot be reached: the
// caller fails create or exec and kills the child (blocked or not). A child error
// record that arrives meanwhile is thrown as throw_child_error() does.
void hand_off_listener(int sync, int pidfd, int child_fd, const ListenerTarget& target);

}  // namespace berth::runtime
