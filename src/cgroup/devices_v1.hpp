// The v1 devices controller as the kernel keeps it (security/device_cgroup.c), and the
// fewest devices.allow/devices.deny writes from one policy to another. Pure; parent only.
//
// Writing the OCI rules after a "deny all" would, on an `update` of a running container,
// deny for a moment every device it is using; runc's devices emulator avoids that, and so
// does this: the target policy is computed, compared with devices.list, and only the
// difference is written (allows before denies).
#pragma once

#include "cgroup/devices.hpp"
#include "cgroup/setting.hpp"

#include <string>
#include <vector>

namespace berth::cgroup {

struct DevicePolicy {
    bool default_allow = true;  // a new cgroup's policy, below an unrestricted parent
    // The exceptions to the default: allowed devices under default deny, denied ones under
    // default allow. One entry per (type, major, minor), access bits merged; `allow` unused.
    std::vector<DeviceRule> exceptions;
    bool operator==(const DevicePolicy&) const = default;
};

// devices.list: "a *:* rwm" for default allow (the kernel then hides the deny exceptions),
// else one allowed exception per line. Throws berth::Error for a line it cannot read.
DevicePolicy parse_devices_list(const std::string& text);

// The policy after writing `rules` in order to a cgroup in `start`, as the kernel applies
// them: a type 'a' rule resets the policy whatever its numbers; another rule adds to or
// removes bits from the exception with exactly its type and numbers.
DevicePolicy apply_device_rules(DevicePolicy start, const std::vector<DeviceRule>& rules);

// The writes that take a cgroup from `current` (as devices.list shows it) to `target`.
// Nothing that both allow is denied on the way, except when leaving default allow for
// default deny, which needs the kernel's reset. `field` names the writes in errors.
std::vector<Setting> device_transition(const DevicePolicy& current, const DevicePolicy& target,
                                       const std::string& field);

}  // namespace berth::cgroup
