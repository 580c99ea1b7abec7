#include "cgroup/devices.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

namespace berth::cgroup {

bool DeviceRule::is_wildcard() const {
    return type == 'a' && major == kAnyDevice && minor == kAnyDevice && access == kAccessAll;
}

namespace {

unsigned parse_access(const std::string& access, std::size_t index) {
    // runtime-spec config-linux.md#allowed-device-list: access is a subset of "rwm"; an
    // empty string is treated as "rwm", as runc does.
    if (access.empty()) return kAccessAll;
    unsigned bits = 0;
    for (char c : access) {
        switch (c) {
        case 'r': bits |= kAccessRead; break;
        case 'w': bits |= kAccessWrite; break;
        case 'm': bits |= kAccessMknod; break;
        default:
            throw_error(".linux.resources.devices[{}].access: invalid access \"{}\"", index, access);
        }
    }
    return bits;
}

std::string number_or_star(std::int64_t n) { return n == kAnyDevice ? "*" : std::to_string(n); }

}  // namespace

std::vector<DeviceRule> device_rules_from_oci(const std::vector<oci::DeviceCgroupRule>& rules) {
    std::vector<DeviceRule> out;
    out.reserve(rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
        const auto& r = rules[i];
        DeviceRule rule;
        rule.allow = r.allow;
        if (r.type.empty() || r.type == "a") {
            rule.type = 'a';
        } else if (r.type == "c" || r.type == "b") {
            rule.type = r.type[0];
        } else {
            throw_error(".linux.resources.devices[{}].type: invalid device type \"{}\"", i, r.type);
        }
        rule.major = r.major.value_or(kAnyDevice);
        rule.minor = r.minor.value_or(kAnyDevice);
        if (rule.major < kAnyDevice || rule.minor < kAnyDevice) {
            throw_error(".linux.resources.devices[{}]: negative device number", i);
        }
        rule.access = parse_access(r.access, i);
        out.push_back(rule);
    }
    return out;
}

std::string access_string(unsigned access) {
    std::string s;
    if (access & kAccessRead) s += 'r';
    if (access & kAccessWrite) s += 'w';
    if (access & kAccessMknod) s += 'm';
    return s;
}

std::string device_rule_line(const DeviceRule& rule) {
    return fmt::format("{} {}:{} {}", rule.type, number_or_star(rule.major),
                       number_or_star(rule.minor), access_string(rule.access));
}

std::vector<oci::DeviceCgroupRule> default_device_rules() {
    auto rule = [](const char* type, std::optional<std::int64_t> major,
                   std::optional<std::int64_t> minor, const char* access) {
        return oci::DeviceCgroupRule{true, type, major, minor, access};
    };
    return {
        rule("c", std::nullopt, std::nullopt, "m"),
        rule("b", std::nullopt, std::nullopt, "m"),
        rule("c", 1, 3, "rwm"),               // /dev/null
        rule("c", 1, 8, "rwm"),               // /dev/random
        rule("c", 1, 7, "rwm"),               // /dev/full
        rule("c", 5, 0, "rwm"),               // /dev/tty
        rule("c", 1, 5, "rwm"),               // /dev/zero
        rule("c", 1, 9, "rwm"),               // /dev/urandom
        rule("c", 136, std::nullopt, "rwm"),  // /dev/pts/*
        rule("c", 5, 2, "rwm"),               // /dev/ptmx
        rule("c", 10, 200, "rwm"),            // /dev/net/tun
    };
}

}  // namespace berth::cgroup
