// Device nodes in the container's /dev: the default set every container gets plus
// linux.devices. Planned in the parent; made by the child before pivot_root with
// mknodat in the resolved /dev, or, inside a new user namespace where mknod is not
// allowed, as a bind of the host node onto an empty file.
#pragma once

#include "oci/config.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::sys {

struct DeviceOp {
    std::string path;       // relative to the rootfs: "dev/null"
    std::string host_path;  // for the bind fallback: "/dev/null"
    mode_t mode = 0;        // S_IFCHR/S_IFBLK/S_IFIFO | permissions
    dev_t dev = 0;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct DevSymlink {
    std::string target;  // what the link points to
    std::string path;    // relative to the rootfs
};

struct DevicePlan {
    bool mount_dev_tmpfs = false;  // config.json has no /dev mount
    std::string dev_tmpfs_data;    // its mount data (with linux.mountLabel's context)
    bool bind_devices = false;     // new user namespace: bind instead of mknod
    std::vector<DeviceOp> devices;
    std::vector<DevSymlink> symlinks;
};

// `dev_mounted`: config.json mounts something on /dev. Throws naming `.linux.devices[i]`.
DevicePlan build_device_plan(const oci::Config& config, bool new_userns, bool dev_mounted);

}  // namespace berth::sys
