// Linux security module labels. AppArmor profiles are applied (the child writes the
// exec attribute, child/apparmor.cpp) when the host has AppArmor enabled; SELinux is not
// implemented. A label berth cannot apply is refused, never run unconfined.
#pragma once

#include "oci/config.hpp"

namespace berth::runtime {

// True when the running kernel has AppArmor enabled (its securityfs directory exists
// and the module parameter says Y), as runc decides it.
bool apparmor_enabled();

// True when selinuxfs is mounted and a policy is loaded (berth's own context is not the
// pre-policy "kernel"), as go-selinux decides it.
bool selinux_enabled();

// Parent side, before anything is made. Throws Error naming the field
// (".process.apparmorProfile", ".process.selinuxLabel", ".linux.mountLabel") for a label
// berth cannot apply on this host.
void check_lsm_labels(const oci::Config& config);
void check_lsm_labels(const oci::Process& process);

}  // namespace berth::runtime
