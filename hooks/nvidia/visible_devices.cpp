#include "hooks/nvidia/visible_devices.hpp"

#include "hooks/nvidia/cdi_names.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

namespace berth::nvidia {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string_view> split_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (true) {
        size_t comma = value.find(',');
        std::string_view item = trim(value.substr(0, comma));
        if (!item.empty()) items.push_back(item);
        if (comma == std::string_view::npos) break;
        value.remove_prefix(comma + 1);
    }
    return items;
}

// "MIG-GPU-<uuid>/<gi>/<ci>", the pre-R470 MIG naming.
bool is_mig_legacy(std::string_view text) {
    if (!istarts_with(text, "MIG-GPU-")) return false;
    std::string_view rest = text.substr(8);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || !is_uuid(rest.substr(0, slash))) return false;
    rest.remove_prefix(slash + 1);
    slash = rest.find('/');
    return slash != std::string_view::npos && all_digits(rest.substr(0, slash)) &&
           all_digits(rest.substr(slash + 1));
}

std::string available(const std::vector<GpuRef>& gpus) {
    if (gpus.empty()) return "none";
    std::string out;
    for (size_t i = 0; i < gpus.size(); ++i)
        out += fmt::format("{}{} {} {}", i == 0 ? "" : ", ", i, gpus[i].uuid, gpus[i].bus.str());
    return out;
}

}  // namespace

bool is_uuid(std::string_view text) {
    static constexpr size_t kGroups[] = {8, 4, 4, 4, 12};
    for (size_t g = 0; g < 5; ++g) {
        if (text.size() < kGroups[g]) return false;
        for (char c : text.substr(0, kGroups[g]))
            if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
        text.remove_prefix(kGroups[g]);
        if (g < 4) {
            if (text.empty() || text.front() != '-') return false;
            text.remove_prefix(1);
        }
    }
    return text.empty();
}

DeviceId parse_device_id(std::string_view text) {
    DeviceId id;
    id.text = std::string(text);
    size_t colon = text.find(':');
    if (all_digits(text)) {
        if (auto n = parse_u32(text)) {
            id.kind = DeviceIdKind::index;
            id.index = *n;
        }
    } else if (istarts_with(text, "GPU-") && is_uuid(text.substr(4))) {
        id.kind = DeviceIdKind::gpu_uuid;
    } else if (istarts_with(text, "MIG-") && is_uuid(text.substr(4))) {
        id.kind = DeviceIdKind::mig_uuid;
    } else if (is_mig_legacy(text)) {
        id.kind = DeviceIdKind::mig_legacy;
    } else if (colon != std::string_view::npos && all_digits(text.substr(0, colon)) &&
               all_digits(text.substr(colon + 1))) {
        auto gpu = parse_u32(text.substr(0, colon));
        auto mig = parse_u32(text.substr(colon + 1));
        if (gpu && mig) {
            id.kind = DeviceIdKind::mig_index;
            id.index = *gpu;
            id.mig_index = *mig;
        }
    } else if (auto bus = parse_pci_address(text)) {
        id.kind = DeviceIdKind::pci_bus_id;
        id.bus = *bus;
    }
    return id;
}

VisibleDevices parse_visible_devices(std::string_view value) {
    VisibleDevices out;
    std::vector<std::string_view> items = split_list(value);
    auto has = [&](std::string_view word) {
        return std::find(items.begin(), items.end(), word) != items.end();
    };
    if (items.empty() || has("void")) return out;
    if (has("none")) {
        out.mode = VisibleMode::none;
        return out;
    }
    if (has("all")) {
        out.mode = VisibleMode::all;
        return out;
    }
    size_t qualified = static_cast<size_t>(std::count_if(items.begin(), items.end(), looks_qualified));
    if (qualified != 0 && qualified != items.size())
        throw_error("nvidia: NVIDIA_VISIBLE_DEVICES '{}' mixes CDI device names and device ids", trim(value));
    for (std::string_view item : items) {
        if (qualified != 0) {
            if (std::find(out.cdi_names.begin(), out.cdi_names.end(), item) == out.cdi_names.end())
                out.cdi_names.emplace_back(item);
            continue;
        }
        DeviceId id = parse_device_id(item);
        if (std::find(out.ids.begin(), out.ids.end(), id) == out.ids.end()) out.ids.push_back(id);
    }
    out.mode = qualified != 0 ? VisibleMode::cdi : VisibleMode::list;
    return out;
}

std::vector<std::size_t> select_gpus(const std::vector<GpuRef>& gpus, const VisibleDevices& request) {
    std::vector<std::size_t> selected;
    if (request.mode == VisibleMode::all) {
        for (size_t i = 0; i < gpus.size(); ++i) selected.push_back(i);
        return selected;
    }
    if (request.mode != VisibleMode::list) return selected;
    for (const DeviceId& id : request.ids) {
        std::optional<size_t> found;
        switch (id.kind) {
            case DeviceIdKind::index:
                if (id.index < gpus.size()) found = id.index;
                break;
            case DeviceIdKind::gpu_uuid:
                for (size_t i = 0; i < gpus.size() && !found; ++i)
                    if (iequals(gpus[i].uuid, id.text)) found = i;
                break;
            case DeviceIdKind::pci_bus_id:
                for (size_t i = 0; i < gpus.size() && !found; ++i)
                    if (gpus[i].bus == id.bus) found = i;
                break;
            case DeviceIdKind::mig_uuid:
            case DeviceIdKind::mig_legacy:
            case DeviceIdKind::mig_index:
                throw_error(
                    "nvidia: MIG device '{}' needs NVML (libnvidia-ml), which berth does "
                    "not load yet (available: {})",
                    id.text, available(gpus));
            case DeviceIdKind::unknown: break;
        }
        if (!found)
            throw_error("nvidia: unknown device '{}' in NVIDIA_VISIBLE_DEVICES (available: {})", id.text,
                        available(gpus));
        if (std::find(selected.begin(), selected.end(), *found) == selected.end()) selected.push_back(*found);
    }
    return selected;
}

}  // namespace berth::nvidia
