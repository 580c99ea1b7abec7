#include "runtime/lsm.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace berth::runtime {

bool apparmor_enabled() {
    if (::access("/sys/kernel/security/apparmor", F_OK) != 0) return false;
    auto flag = fs::read_file_if_exists("/sys/module/apparmor/parameters/enabled");
    return flag && !flag->empty() && (*flag)[0] == 'Y';
}

bool selinux_enabled() {
    struct statfs sfs{};
    if (::statfs("/sys/fs/selinux", &sfs) != 0 || sfs.f_type != SELINUX_MAGIC) return false;
    auto current = fs::read_file_if_exists("/proc/self/attr/current");
    return current && !current->empty() && current->rfind("kernel", 0) != 0;
}

// runtime-spec config.md#process names the labels but says nothing of hosts without the
// module. runc 1.1.5 fails there too (SELinux at validation, AppArmor when its init
// writes the exec attribute); berth fails before anything is made: a container that
// asked for confinement must not run without it.
void check_lsm_labels(const oci::Process& process) {
    if (!process.apparmor_profile.empty() && !apparmor_enabled())
        throw_error(".process.apparmorProfile \"{}\": AppArmor is not enabled on this host", process.apparmor_profile);
    if (!process.selinux_label.empty() && !selinux_enabled())
        throw_error(".process.selinuxLabel \"{}\": SELinux is not enabled on this host", process.selinux_label);
}

void check_lsm_labels(const oci::Config& config) {
    if (config.process) check_lsm_labels(*config.process);
    if (config.linux_ && !config.linux_->mount_label.empty() && !selinux_enabled())
        throw_error(".linux.mountLabel \"{}\": SELinux is not enabled on this host", config.linux_->mount_label);
}

}  // namespace berth::runtime
