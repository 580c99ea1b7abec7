// SCMP_ACT_NOTIFY: handing the seccomp listener fd to the agent at listenerPath.
//
// runtime-spec config-linux.md#seccomp (listenerPath) and #containerprocessstate.
#pragma once

#include <string>
#include <sys/types.h>

namespace berth::sys {

// Parent: the "container process state" document, compact JSON:
//   {"ociVersion":…,"fds":["seccompFd"],"pid":…,"metadata":…,"state":<state_json>}
// `state_json` is the container's state (runtime.md#state) as JSON and is embedded
// verbatim; `metadata` is omitted when empty.
std::string seccomp_process_state_json(pid_t pid, const std::string& state_json, const std::string& metadata);

// Parent, after the child passed it the fd apply_seccomp() returned: connects to the
// AF_UNIX SOCK_STREAM socket at `listener_path`, sends the container process state with
// `listener_fd` as SCM_RIGHTS in the first sendmsg, then closes the connection (one
// state per connection, as the spec requires). The caller keeps owning `listener_fd`
// (the agent receives its own copy). Throws berth::Error naming the path on failure.
void send_seccomp_listener(const std::string& listener_path, int listener_fd, pid_t pid,
                           const std::string& state_json, const std::string& metadata);

}  // namespace berth::sys
