#include "cgroup/devices_v1.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <charconv>

namespace berth::cgroup {

namespace {

bool same_device(const DeviceRule& a, const DeviceRule& b) {
    return a.type == b.type && a.major == b.major && a.minor == b.minor;
}

std::vector<DeviceRule>::iterator find_device(std::vector<DeviceRule>& list, const DeviceRule& r) {
    return std::find_if(list.begin(), list.end(), [&r](const DeviceRule& e) { return same_device(e, r); });
}

// The kernel's dev_exception_add: a new entry, or more access bits on the existing one.
void add_bits(std::vector<DeviceRule>& list, const DeviceRule& r) {
    auto it = find_device(list, r);
    if (it != list.end()) {
        it->access |= r.access;
        return;
    }
    DeviceRule e = r;
    e.allow = false;
    list.push_back(e);
}

// dev_exception_rm: fewer bits on the exact entry, which goes when none are left.
void remove_bits(std::vector<DeviceRule>& list, const DeviceRule& r) {
    auto it = find_device(list, r);
    if (it == list.end()) return;
    it->access &= ~r.access;
    if (it->access == 0) list.erase(it);
}

std::int64_t parse_number(std::string_view s, const std::string& line) {
    if (s == "*") return kAnyDevice;
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) throw_error("devices.list: cannot read \"{}\"", line);
    return n;
}

DeviceRule parse_line(const std::string& line) {
    // "c 1:3 rwm"
    const auto space = line.find(' ');
    const auto colon = line.find(':');
    const auto space2 = line.find(' ', colon);
    if (line.size() < 2 || space != 1 || colon == std::string::npos || space2 == std::string::npos ||
        (line[0] != 'a' && line[0] != 'b' && line[0] != 'c')) {
        throw_error("devices.list: cannot read \"{}\"", line);
    }
    DeviceRule r;
    r.type = line[0];
    const std::string_view v(line);
    r.major = parse_number(v.substr(2, colon - 2), line);
    r.minor = parse_number(v.substr(colon + 1, space2 - colon - 1), line);
    r.access = 0;
    for (char c : v.substr(space2 + 1)) {
        if (c == 'r') r.access |= kAccessRead;
        else if (c == 'w') r.access |= kAccessWrite;
        else if (c == 'm') r.access |= kAccessMknod;
        else throw_error("devices.list: cannot read \"{}\"", line);
    }
    return r;
}

}  // namespace

DevicePolicy parse_devices_list(const std::string& text) {
    DevicePolicy p;
    p.default_allow = false;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.empty()) continue;
        const DeviceRule r = parse_line(line);
        if (r.type == 'a') return DevicePolicy{};  // default allow; its exceptions are not shown
        add_bits(p.exceptions, r);
    }
    return p;
}

DevicePolicy apply_device_rules(DevicePolicy p, const std::vector<DeviceRule>& rules) {
    for (const auto& r : rules) {
        if (r.type == 'a') {
            p = DevicePolicy{r.allow, {}};
        } else if (r.allow == p.default_allow) {
            remove_bits(p.exceptions, r);  // the default again for these bits
        } else {
            add_bits(p.exceptions, r);
        }
    }
    return p;
}

std::vector<Setting> device_transition(const DevicePolicy& current, const DevicePolicy& target,
                                       const std::string& field) {
    std::vector<Setting> out;
    auto write = [&](bool allow, const DeviceRule& r, unsigned access) {
        DeviceRule w = r;
        w.access = access;
        Setting s;
        s.controller = "devices";
        s.file = allow ? "devices.allow" : "devices.deny";
        s.value = device_rule_line(w);
        s.field = field;
        out.push_back(std::move(s));
    };
    const DeviceRule all{};  // "a *:* rwm"
    if (target.default_allow) {
        // devices.list hides a default-allow cgroup's deny exceptions, so reset: widening
        // first denies nothing.
        write(true, all, kAccessAll);
        for (const auto& e : target.exceptions) write(false, e, e.access);
        return out;
    }
    if (current.default_allow) {
        write(false, all, kAccessAll);
        for (const auto& e : target.exceptions) write(true, e, e.access);
        return out;
    }
    // Both default deny: grant what is missing, then take back what is no longer allowed.
    for (const auto& e : target.exceptions) {
        auto it = std::find_if(current.exceptions.begin(), current.exceptions.end(),
                               [&e](const DeviceRule& c) { return same_device(c, e); });
        const unsigned have = it == current.exceptions.end() ? 0 : it->access;
        if (e.access & ~have) write(true, e, e.access & ~have);
    }
    for (const auto& c : current.exceptions) {
        auto it = std::find_if(target.exceptions.begin(), target.exceptions.end(),
                               [&c](const DeviceRule& e) { return same_device(c, e); });
        const unsigned keep = it == target.exceptions.end() ? 0 : it->access;
        if (c.access & ~keep) write(false, c, c.access & ~keep);
    }
    return out;
}

}  // namespace berth::cgroup
