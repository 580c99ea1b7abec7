#include "cgroup/systemd_props.hpp"

#include "cgroup/translate.hpp"
#include "util/error.hpp"
#include "util/id_list.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cmath>

namespace berth::cgroup {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void validate_slice(const std::string& slice) {
    // systemd.slice(5): dashes separate levels, so none at either end and no two together.
    const std::string base = slice.substr(0, slice.size() - 6);
    if (!ends_with(slice, ".slice") || slice.find('/') != std::string::npos ||
        (slice != "-.slice" && (base.empty() || base.front() == '-' || base.back() == '-' ||
                                base.find("--") != std::string::npos))) {
        throw_error(".linux.cgroupsPath: invalid systemd slice \"{}\"", slice);
    }
}

std::vector<Property> device_properties(const std::vector<DeviceRule>& rules,
                                        const std::map<std::string, std::string>& proc_devices,
                                        std::vector<std::string>& warnings) {
    bool default_allow = false;
    std::size_t first = 0;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (rules[i].is_wildcard()) {
            default_allow = rules[i].allow;
            first = i + 1;
        }
    }
    if (default_allow) {
        // systemd has allow lists only: "auto" keeps its own defaults, the cgroupfs rules deny.
        if (first < rules.size()) warnings.push_back(".linux.resources.devices: systemd cannot express deny rules over a default allow; left to the cgroupfs rules");
        return {{"DevicePolicy", std::string("auto")}};
    }
    std::vector<std::pair<std::string, std::string>> allow;
    for (std::size_t i = first; i < rules.size(); ++i) {
        const auto& r = rules[i];
        if (!r.allow) continue;  // a later deny only narrows; the cgroupfs rules apply it
        const std::string access = access_string(r.access);
        const char* kind = r.type == 'b' ? "block" : "char";
        if (r.type == 'a') {
            allow.emplace_back("char-*", access);
            allow.emplace_back("block-*", access);
        } else if (r.major == kAnyDevice) {
            allow.emplace_back(fmt::format("{}-*", kind), access);
        } else if (r.minor == kAnyDevice) {
            // A whole major is named by its driver name in /proc/devices ("char-pts").
            auto it = proc_devices.find(fmt::format("{}{}", r.type, r.major));
            if (it == proc_devices.end()) {
                warnings.push_back(fmt::format(".linux.resources.devices[{}]: no driver for major {} in /proc/devices; not passed to systemd", i, r.major));
                continue;
            }
            allow.emplace_back(fmt::format("{}-{}", kind, it->second), access);
        } else {
            // systemd parses /dev/{char,block}/M:m itself, so no device node need exist.
            allow.emplace_back(fmt::format("/dev/{}/{}:{}", kind, r.major, r.minor), access);
        }
    }
    return {{"DevicePolicy", std::string("strict")}, {"DeviceAllow", allow}};
}

}  // namespace

std::string SystemdUnit::cgroup_path() const { return expand_slice(slice) + "/" + unit; }

std::string expand_slice(const std::string& slice) {
    validate_slice(slice);
    if (slice == "-.slice") return "";
    const std::string base = slice.substr(0, slice.size() - 6);
    std::string path, prefix;
    for (const auto& part : text::split(base, '-')) {
        if (!prefix.empty()) prefix += "-";
        prefix += part;
        path += "/" + prefix + ".slice";
    }
    return path;
}

SystemdUnit parse_systemd_path(const std::string& cgroups_path, const std::string& container_id,
                               const std::string& default_slice) {
    if (cgroups_path.empty()) return {default_slice, fmt::format("berth-{}.scope", container_id)};
    const auto parts = text::split(cgroups_path, ':');
    if (parts.size() != 3 || parts[2].empty() || parts[2].find('/') != std::string::npos) {
        throw_error(".linux.cgroupsPath: expected \"slice:prefix:name\" with the systemd driver, got \"{}\"", cgroups_path);
    }
    SystemdUnit u;
    u.slice = parts[0].empty() ? default_slice : parts[0];
    validate_slice(u.slice);
    // runc: a name that is itself a slice is used as is (the container gets a slice unit).
    if (ends_with(parts[2], ".slice")) {
        validate_slice(parts[2]);
        u.unit = parts[2];
    } else {
        u.unit = parts[1].empty() ? parts[2] + ".scope" : parts[1] + "-" + parts[2] + ".scope";
    }
    return u;
}

const char* signature(const PropertyValue& value) {
    static const char* const kSignatures[] = {"b", "t", "s", "au", "a(ss)", "ay"};
    return kSignatures[value.index()];
}

// The kernel's NR_CPUS ceiling (CONFIG_NR_CPUS is at most 8192).
constexpr unsigned kMaxCpus = 8192;

std::vector<std::uint8_t> cpu_list_bitmask(const std::string& list, const char* field) {
    std::vector<std::uint8_t> mask;
    for (unsigned cpu : text::parse_id_list(list, kMaxCpus, field, "CPU")) {
        mask.resize(cpu / 8 + 1);
        mask[cpu / 8] = static_cast<std::uint8_t>(mask[cpu / 8] | (1u << (cpu % 8)));
    }
    return mask;
}

std::map<std::string, std::string> parse_proc_devices(const std::string& contents) {
    std::map<std::string, std::string> out;
    char kind = 'c';
    for (const auto& line : text::split(contents, '\n')) {
        if (line.rfind("Character", 0) == 0) kind = 'c';
        if (line.rfind("Block", 0) == 0) kind = 'b';
        const auto f = text::fields(line);
        if (f.size() < 2) continue;
        if (auto major = text::to_integer(f[0])) out[fmt::format("{}{}", kind, *major)] = std::string(f[1]);
    }
    return out;
}

std::vector<Property> resource_properties(const oci::Resources& r, bool v2,
                                          const std::map<std::string, std::string>& proc_devices,
                                          std::vector<std::string>& warnings) {
    std::vector<Property> p;
    if (r.memory && r.memory->limit.value_or(0) != 0) {
        // systemd takes UINT64_MAX ("infinity") for unlimited.
        const std::int64_t limit = *r.memory->limit;
        p.push_back({v2 ? "MemoryMax" : "MemoryLimit", limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit)});
    }
    if (v2 && r.memory) {
        // v1's soft limit and memsw have no systemd property; cgroupfs writes them.
        auto bytes = [](std::int64_t v) { return v < 0 ? UINT64_MAX : static_cast<std::uint64_t>(v); };
        if (r.memory->reservation.value_or(0) != 0) p.push_back({"MemoryLow", bytes(*r.memory->reservation)});
        // OCI's swap is memory+swap; memory.swap.max is swap alone (runc's conversion).
        const std::int64_t swap = swap_to_v2(r.memory->swap.value_or(0), r.memory->limit.value_or(0));
        if (swap != 0) p.push_back({"MemorySwapMax", bytes(swap)});
    }
    if (r.cpu && r.cpu->shares.value_or(0) != 0) {
        if (v2) {
            p.push_back({"CPUWeight", cpu_shares_to_weight(*r.cpu->shares)});
        } else {
            p.push_back({"CPUShares", *r.cpu->shares});
        }
    }
    if (r.cpu && (r.cpu->quota.value_or(0) != 0 || r.cpu->period.value_or(0) != 0)) {
        // systemd wants quota per second of time; a period is set separately (systemd 242+).
        // runc rounds up to 10 ms, systemd's own granularity, so that it does not round to 0.
        const std::uint64_t period = r.cpu->period.value_or(100000);
        const std::int64_t quota = r.cpu->quota.value_or(-1);
        std::uint64_t per_sec = UINT64_MAX;
        if (quota > 0) {
            per_sec = static_cast<std::uint64_t>(quota) * 1000000 / period;
            if (per_sec % 10000 != 0) per_sec = (per_sec / 10000 + 1) * 10000;
        }
        if (r.cpu->period.value_or(0) != 0) p.push_back({"CPUQuotaPeriodUSec", period});
        p.push_back({"CPUQuotaPerSecUSec", per_sec});
    }
    if (v2 && r.cpu && !r.cpu->cpus.empty()) {
        p.push_back({"AllowedCPUs", cpu_list_bitmask(r.cpu->cpus, ".linux.resources.cpu.cpus")});
    }
    if (v2 && r.cpu && !r.cpu->mems.empty()) {
        p.push_back({"AllowedMemoryNodes", cpu_list_bitmask(r.cpu->mems, ".linux.resources.cpu.mems")});
    }
    if (r.pids && r.pids->limit) {
        const std::int64_t limit = *r.pids->limit;
        p.push_back({"TasksMax", limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit)});
    }
    if (r.block_io && r.block_io->weight.value_or(0) != 0) {
        const std::uint64_t weight = *r.block_io->weight;
        if (v2) {
            p.push_back({"IOWeight", blkio_weight_to_io_weight(weight)});
        } else {
            p.push_back({"BlockIOWeight", weight});
        }
    }
    if (!r.devices.empty()) {
        auto d = device_properties(device_rules_from_oci(r.devices), proc_devices, warnings);
        p.insert(p.end(), d.begin(), d.end());
    }
    return p;
}

std::vector<Property> annotation_properties(const std::map<std::string, std::string>& annotations) {
    static const std::string kPrefix = "org.systemd.property.";
    std::vector<Property> out;
    for (const auto& [key, raw] : annotations) {
        if (key.rfind(kPrefix, 0) != 0) continue;
        std::string name = key.substr(kPrefix.size());
        const std::string value = raw;
        // The binding is named in the capture: clang 14 cannot capture structured bindings.
        auto fail = [&key = key, &value] {
            throw_error("annotations[\"{}\"]: cannot type the value \"{}\"", key, value);
        };
        if (name.empty()) fail();
        if (value == "true" || value == "false") {
            out.push_back({name, value == "true"});
            continue;
        }
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front()) {
            out.push_back({name, value.substr(1, value.size() - 2)});
            continue;
        }
        const std::string num = value.rfind("uint64 ", 0) == 0 ? value.substr(7) : value;
        if (ends_with(name, "Sec") && !ends_with(name, "USec")) {
            // runc: "TimeoutStopSec=10" (seconds, may be fractional) → TimeoutStopUSec in µs.
            std::size_t used = 0;
            double seconds = 0;
            try {
                seconds = std::stod(num, &used);
            } catch (const std::exception&) {
                fail();
            }
            if (used != num.size() || seconds < 0) fail();
            out.push_back({name.substr(0, name.size() - 3) + "USec", static_cast<std::uint64_t>(std::llround(seconds * 1e6))});
            continue;
        }
        if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) fail();
        out.push_back({name, static_cast<std::uint64_t>(std::stoull(num))});
    }
    return out;
}

}  // namespace berth::cgroup
