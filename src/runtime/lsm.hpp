// Linux security module labels (AppArmor, SELinux). berth applies neither: it is built
// without LSM support (`berth features` says apparmor and selinux are disabled), so a
// config that asks for a label is refused instead of run unconfined.
#pragma once

#include "oci/config.hpp"

namespace berth::runtime {

// Parent side. Throws Error naming the field (".process.apparmorProfile",
// ".process.selinuxLabel", ".linux.mountLabel") when it is set.
void refuse_lsm_labels(const oci::Config& config);
void refuse_lsm_labels(const oci::Process& process);

}  // namespace berth::runtime
