// The pure half of the cgroup drivers: what to write where, decided without touching the
// host. translate_v1() and translate_v2() turn oci::Resources into a Translation; the drivers
// carry it out. Runs in the parent only.
#pragma once

#include "cgroup/devices.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace berth::cgroup {

// One write of one control file.
struct Setting {
    std::string controller;  // "memory", "cpu", …; "" for the core cgroup.* files of v2
    std::string file;        // "memory.limit_in_bytes"
    std::string value;       // written as is, without a newline
    std::string field;       // the JSON path it came from, for errors: ".linux.resources.memory.limit"
    std::string fallback;    // written instead when `file` does not exist (blkio.bfq.weight)
    std::string fallback_value;  // the value for `fallback`; empty: the same `value`
    bool optional = false;   // skipped when the file does not exist (hugetlb .rsvd on old kernels)
    // Pairs the kernel checks against each other (cfs period and quota, quota and burst, rt
    // period and runtime, memory and memory+swap) accept a new pair in one order only, which
    // depends on the values in place. As runc: when this write fails with EINVAL and
    // `retry_after` is written later in the same translation, it is retried after that one.
    std::string retry_after;
    bool operator==(const Setting&) const = default;
};

struct Translation {
    // In the order they must be written; config-linux.md does not order controllers, but some
    // files depend on others (cpu period before quota, rt period before runtime).
    std::vector<Setting> settings;
    // linux.resources.devices, normalised. Empty: leave the device policy alone. The driver
    // turns them into the writes devices.list needs (v1) or an eBPF program (v2).
    std::vector<DeviceRule> device_rules;
    bool devices_requested = false;
    // memory.checkBeforeUpdate on v2: the new memory.max, to compare with memory.current
    // before writing (v1 kernels reject such a limit themselves with EBUSY).
    std::optional<std::int64_t> check_memory_below_usage;
    // Fields accepted but not applied (deprecated kernel memory); the driver logs them.
    std::vector<std::string> warnings;
};

}  // namespace berth::cgroup
