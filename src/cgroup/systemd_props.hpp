// The pure half of the systemd driver: cgroupsPath "slice:prefix:name" → unit names and the
// unit properties for StartTransientUnit / SetUnitProperties, as runc's systemd driver builds
// them. No D-Bus here, so unit tests check it without systemd. Runs in the parent.
#pragma once

#include "cgroup/devices.hpp"
#include "oci/config.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace berth::cgroup {

struct SystemdUnit {
    std::string slice;  // "system.slice"
    std::string unit;   // "berth-c1.scope", or a "….slice" when the name is one
    // The unit's cgroup below each hierarchy root: "/system.slice/berth-c1.scope".
    std::string cgroup_path() const;
    bool operator==(const SystemdUnit&) const = default;
};

// runtime-spec config-linux.md#cgroups-path leaves the systemd form to runtimes; runc's is
// "slice:prefix:name" (an empty slice is `default_slice`; an empty cgroupsPath is
// "<default_slice>:berth:<id>"). runc's default slice is "system.slice", "user.slice" for a
// rootless container (in the user's manager). Throws `.linux.cgroupsPath: …` for any other
// shape or for a slice name systemd would refuse.
SystemdUnit parse_systemd_path(const std::string& cgroups_path, const std::string& container_id,
                               const std::string& default_slice = "system.slice");

// "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice" (systemd.slice(5) nesting); "-.slice" → "".
std::string expand_slice(const std::string& slice);

using PropertyValue = std::variant<bool, std::uint64_t, std::string, std::vector<std::uint32_t>,
                                   std::vector<std::pair<std::string, std::string>>, std::vector<std::uint8_t>>;

struct Property {
    std::string name;
    PropertyValue value;
    bool operator==(const Property&) const = default;
};

// The D-Bus signature of a value: "b", "t", "s", "au", "a(ss)", "ay".
const char* signature(const PropertyValue& value);

// A cpuset list ("0-2,5") as systemd's CPU bitmask: byte i bit j is CPU 8i+j. Throws
// `<field>: invalid CPU list …`.
std::vector<std::uint8_t> cpu_list_bitmask(const std::string& list, const char* field);

// Major number → name from /proc/devices text ("Character devices:\n  1 mem\n…"); the block
// names are keyed with a "b" prefix: {"c1": "mem", "b8": "sd"}.
std::map<std::string, std::string> parse_proc_devices(const std::string& contents);

// The resource properties for `r` (MemoryMax/MemoryLimit, MemoryLow, MemorySwapMax,
// CPUWeight/CPUShares, CPUQuotaPerSecUSec, CPUQuotaPeriodUSec, AllowedCPUs,
// AllowedMemoryNodes, TasksMax, IOWeight/BlockIOWeight, DevicePolicy/DeviceAllow) for cgroup
// v2 (`v2`) or v1. systemd rewrites every file of the controllers it manages from the unit
// on daemon-reload, so a limit with no property here would fall back to its default then. Device rules systemd cannot express (a deny list over a default allow) get no
// DeviceAllow, leaving the cgroupfs rules in force, and a warning in `warnings`.
std::vector<Property> resource_properties(const oci::Resources& r, bool v2,
                                          const std::map<std::string, std::string>& proc_devices,
                                          std::vector<std::string>& warnings);

// "org.systemd.property.<Name>" annotations as properties (runc's rules: true/false → b; a
// number or "uint64 N" → t; 'text' or "text" → s; a <Name>Sec in seconds becomes <Name>USec).
// Throws `annotations["…"]: …` for a value it cannot type.
std::vector<Property> annotation_properties(const std::map<std::string, std::string>& annotations);

}  // namespace berth::cgroup
