// Device access rules, shared by the v1 devices controller and the v2 eBPF filter.
// Pure data and formatting; runs in the parent.
#pragma once

#include "oci/config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace berth::cgroup {

inline constexpr std::int64_t kAnyDevice = -1;  // "*" for a major or minor number

enum DeviceAccess : unsigned { kAccessMknod = 1, kAccessRead = 2, kAccessWrite = 4, kAccessAll = 7 };

// One normalised rule of config-linux.md#allowed-device-list.
struct DeviceRule {
    bool allow = false;
    char type = 'a';                  // 'a', 'c' or 'b'
    std::int64_t major = kAnyDevice;
    std::int64_t minor = kAnyDevice;
    unsigned access = kAccessAll;     // DeviceAccess bits
    bool operator==(const DeviceRule&) const = default;

    // True for "a *:* rwm": such a rule resets the whole policy instead of adding an exception.
    bool is_wildcard() const;
};

// Normalises linux.resources.devices; throws berth::Error naming the entry for a bad type
// or access string.
std::vector<DeviceRule> device_rules_from_oci(const std::vector<oci::DeviceCgroupRule>& rules);

// "c 1:3 rwm" as devices.allow and devices.deny take it.
std::string device_rule_line(const DeviceRule& rule);
// "rwm" for the access bits.
std::string access_string(unsigned access);

// The devices every container may use (as runc's AllowedDevices): mknod of any char or block
// device, null, zero, full, random, urandom, tty, ptmx, /dev/pts/* and net/tun. The runtime
// appends these (and the rules for linux.devices) after the bundle's own rules.
std::vector<oci::DeviceCgroupRule> default_device_rules();

}  // namespace berth::cgroup
