// HOME for the container process when its env has none: the user's home directory from
// the /etc/passwd the container sees, or "/" (runc's behaviour; the spec leaves HOME to
// the caller).
#pragma once

#include "sys/mounts.hpp"

#include <string>
#include <vector>

namespace berth::runtime {

// The text of `root`/etc/passwd, resolved inside `root` (symlinks cannot leave it), or ""
// when missing or unreadable. Does not throw.
std::string passwd_in_root(const std::string& root);

// The /etc/passwd a new container will see once its mounts are made, which is when runc
// reads it: the source of the last bind mount over /etc/passwd or /etc (engines bind
// their own passwd file), "" when another mount hides it (a tmpfs /etc), else the
// rootfs's own. Does not throw.
std::string container_passwd(const std::string& rootfs, const std::vector<sys::MountOp>& mounts);

// Appends HOME=<dir> to `env` unless it already has HOME: uid's home in `passwd`, or "/".
void add_default_home(std::vector<std::string>& env, const std::string& passwd, unsigned uid);

}  // namespace berth::runtime
