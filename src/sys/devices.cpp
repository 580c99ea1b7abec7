#include "sys/devices.hpp"

#include "sys/mounts.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

namespace berth::sys {

namespace {

struct DefaultDevice {
    const char* name;
    unsigned major, minor;
};

// runtime-spec config-linux.md#default-devices
constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

mode_t device_type(const std::string& type, const std::string& where) {
    if (type == "c" || type == "u") return S_IFCHR;
    if (type == "b") return S_IFBLK;
    if (type == "p") return S_IFIFO;
    throw_error("{}.type: unknown device type \"{}\"", where, type);
}

}  // namespace

DevicePlan build_device_plan(const oci::Config& config, bool new_userns, bool dev_mounted) {
    DevicePlan plan;
    plan.mount_dev_tmpfs = !dev_mounted;
    plan.dev_tmpfs_data = with_mount_label("mode=755,size=65536k", "tmpfs", config);
    plan.bind_devices = new_userns;
    // The container's root owns what berth creates: uid/gid 0 inside map to the same
    // ids the kernel gives the init, so 0/0 is right with and without a user namespace.
    for (const auto& d : kDefaultDevices) {
        DeviceOp op;
        op.path = std::string("dev/") + d.name;
        op.host_path = std::string("/dev/") + d.name;
        op.mode = S_IFCHR | 0666;
        op.dev = makedev(d.major, d.minor);
        plan.devices.push_back(std::move(op));
    }
    if (config.linux_) {
        const auto& devs = config.linux_->devices;
        for (size_t i = 0; i < devs.size(); ++i) {
            const auto& d = devs[i];
            std::string where = fmt::format(".linux.devices[{}]", i);
            DeviceOp op;
            std::string clean = fs::clean_path(d.path, "/");
            if (clean == "/") throw_error("{}.path: \"{}\" is not a device path", where, d.path);
            op.path = clean.substr(1);
            op.host_path = clean;
            op.mode = device_type(d.type, where) | (d.file_mode ? (*d.file_mode & 07777) : 0666);
            op.dev = makedev(static_cast<unsigned>(d.major), static_cast<unsigned>(d.minor));
            op.uid = d.uid.value_or(0);
            op.gid = d.gid.value_or(0);
            // A later entry for the same path replaces a default one.
            std::erase_if(plan.devices, [&](const DeviceOp& o) { return o.path == op.path; });
            plan.devices.push_back(std::move(op));
        }
    }
    plan.symlinks = {{"/proc/self/fd", "dev/fd"},
                     {"/proc/self/fd/0", "dev/stdin"},
                     {"/proc/self/fd/1", "dev/stdout"},
                     {"/proc/self/fd/2", "dev/stderr"},
                     {"pts/ptmx", "dev/ptmx"}};
    if (fs::exists("/proc/kcore")) plan.symlinks.push_back({"/proc/kcore", "dev/core"});
    return plan;
}

}  // namespace berth::sys
