#include "runtime/lsm.hpp"

#include "util/error.hpp"

namespace berth::runtime {

// runtime-spec config.md#process names the labels but says nothing of hosts without the
// module. runc 1.1.5 fails on both (SELinux at validation, AppArmor when the init
// writes /proc/self/attr/exec), and so does berth, before anything is made: a
// container that asked for confinement must not run without it.
void refuse_lsm_labels(const oci::Process& process) {
    if (!process.apparmor_profile.empty())
        throw_error(".process.apparmorProfile \"{}\": AppArmor is not supported by berth", process.apparmor_profile);
    if (!process.selinux_label.empty())
        throw_error(".process.selinuxLabel \"{}\": SELinux is not supported by berth", process.selinux_label);
}

void refuse_lsm_labels(const oci::Config& config) {
    if (config.process) refuse_lsm_labels(*config.process);
    if (config.linux_ && !config.linux_->mount_label.empty())
        throw_error(".linux.mountLabel \"{}\": SELinux is not supported by berth", config.linux_->mount_label);
}

}  // namespace berth::runtime
