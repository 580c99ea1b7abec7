#include "hooks/nvidia/mig.hpp"

#include "hooks/nvidia/files.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <tuple>

namespace berth::nvidia {
namespace {

// "gi12" -> 12 for prefix "gi"; nullopt for anything else.
std::optional<std::uint32_t> numbered(std::string_view name, std::string_view prefix) {
    if (!name.starts_with(prefix)) return std::nullopt;
    return parse_u32(name.substr(prefix.size()));
}

std::vector<std::uint32_t> numbered_entries(const std::string& dir, std::string_view prefix) {
    std::vector<std::uint32_t> out;
    for (const std::string& name : list_dir(dir).value_or(std::vector<std::string>{}))
        if (auto n = numbered(name, prefix)) out.push_back(*n);
    std::sort(out.begin(), out.end());
    return out;
}

struct CapsTable {
    std::uint32_t major = 0;
    std::map<std::string, std::uint32_t, std::less<>> minors;  // "gpu0/gi1/access" -> 12
};

std::optional<CapsTable> read_caps_table(const DiscoveryOptions& o, std::vector<std::string>& warnings) {
    std::string minors_path = under_root(o.proc_root, "/proc/driver/nvidia-caps/mig-minors");
    std::string devices_path = under_root(o.proc_root, "/proc/devices");
    std::optional<std::string> minors = read_file_if_exists(minors_path);
    std::optional<std::string> devices = read_file_if_exists(devices_path);
    auto majors = devices ? parse_proc_devices(*devices, devices_path)
                          : std::map<std::string, std::uint32_t, std::less<>>{};
    auto major = majors.find("nvidia-caps");
    if (!minors || major == majors.end()) {
        warnings.push_back(fmt::format("nvidia: MIG devices exist but {} is unreadable or {} has no 'nvidia-caps'",
                                       minors_path, devices_path));
        return std::nullopt;
    }
    CapsTable t{major->second, {}};
    for (const MigMinor& m : parse_mig_minors(*minors, minors_path)) t.minors.emplace(m.path, m.minor);
    return t;
}

// The nvidia-cap node for the mig-minors entry `key`; nullopt (with a warning) if absent.
std::optional<DeviceNodeInfo> caps_node(const DiscoveryOptions& o, const CapsTable& t, const std::string& key,
                                        std::vector<std::string>& warnings) {
    auto minor = t.minors.find(key);
    if (minor == t.minors.end()) {
        warnings.push_back("nvidia: MIG capability '" + key + "' not in mig-minors");
        return std::nullopt;
    }
    std::string name = "nvidia-caps/nvidia-cap" + std::to_string(minor->second);
    auto node = find_device_node(o, name, t.major, minor->second);
    if (!node)
        warnings.push_back(fmt::format("nvidia: MIG capability '{}': '{}' missing (create it with nvidia-modprobe)",
                                       key, under_root(o.dev_root, "/dev/" + name)));
    return node;
}

}  // namespace

void read_mig_devices(const DiscoveryOptions& o, Driver& d) {
    std::string caps_dir = under_root(o.proc_root, "/proc/driver/nvidia/capabilities");
    std::optional<CapsTable> table;
    // The config and monitor caps exist whenever the driver supports MIG.
    if (lstat_if_exists(caps_dir + "/mig/config") || lstat_if_exists(caps_dir + "/mig/monitor")) {
        table = read_caps_table(o, d.warnings);
        if (!table) return;
        d.mig_config = caps_node(o, *table, "config", d.warnings);
        d.mig_monitor = caps_node(o, *table, "monitor", d.warnings);
    }
    for (size_t g = 0; g < d.gpus.size(); ++g) {
        std::string gpu_key = "gpu" + std::to_string(d.gpus[g].minor);
        std::string mig_dir = caps_dir + "/" + gpu_key + "/mig";
        for (std::uint32_t gi : numbered_entries(mig_dir, "gi")) {
            std::string gi_key = gpu_key + "/gi" + std::to_string(gi);
            for (std::uint32_t ci : numbered_entries(mig_dir + "/gi" + std::to_string(gi), "ci")) {
                if (!table && !(table = read_caps_table(o, d.warnings))) return;
                std::string ci_key = gi_key + "/ci" + std::to_string(ci);
                auto gi_node = caps_node(o, *table, gi_key + "/access", d.warnings);
                auto ci_node = caps_node(o, *table, ci_key + "/access", d.warnings);
                if (gi_node && ci_node) d.migs.push_back(MigDevice{g, gi, ci, *gi_node, *ci_node});
            }
        }
    }
}

}  // namespace berth::nvidia
