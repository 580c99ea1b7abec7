// HOME for the container process when its env has none: the user's home directory from
// the rootfs's /etc/passwd, or "/" (runc's behaviour; the spec leaves HOME to the caller).
#pragma once

#include <string>
#include <vector>

namespace berth::runtime {

// Parent side. Appends HOME=<dir> to `env` unless it already has HOME. `rootfs` is the host
// path of the container's root; /etc/passwd is resolved inside it (symlinks cannot leave
// it). A missing or unreadable passwd file gives "/". Does not throw.
void add_default_home(std::vector<std::string>& env, const std::string& rootfs, unsigned uid);

}  // namespace berth::runtime
