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

// "MIG-GPU-<uuid>/<gi>/<ci>", the pre-R470 MIG naming; fills gpu_uuid, mig_index and ci.
bool parse_mig_legacy(std::string_view text, DeviceId& id) {
    if (!istarts_with(text, "MIG-GPU-")) return false;
    std::string_view rest = text.substr(8);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || !is_uuid(rest.substr(0, slash))) return false;
    std::string_view uuid = text.substr(4, 4 + slash);
    rest.remove_prefix(slash + 1);
    slash = rest.find('/');
    if (slash == std::string_view::npos || !all_digits(rest.substr(0, slash))) return false;
    auto gi = parse_u32(rest.substr(0, slash));
    auto ci = all_digits(rest.substr(slash + 1)) ? parse_u32(rest.substr(slash + 1)) : std::nullopt;
    if (!gi || !ci) return false;
    id.gpu_uuid = std::string(uuid);
    id.mig_index = *gi;
    id.ci = *ci;
    return true;
}

// "a:b" or "a:b:c", decimal without leading zeros (so "0000:01:00", a PCI id missing its
// function, stays unknown): the MIG index forms. Empty when `text` is not such a list.
std::vector<std::uint32_t> colon_numbers(std::string_view text) {
    std::vector<std::uint32_t> out;
    while (true) {
        size_t colon = text.find(':');
        std::string_view part = text.substr(0, colon);
        bool canonical = all_digits(part) && (part.size() == 1 || part.front() != '0');
        auto n = canonical ? parse_u32(part) : std::nullopt;
        if (!n) return {};
        out.push_back(*n);
        if (colon == std::string_view::npos) return out;
        text.remove_prefix(colon + 1);
    }
}

std::string available(const std::vector<GpuRef>& gpus, const std::vector<MigRef>& migs) {
    if (gpus.empty()) return "none";
    std::string out;
    for (size_t i = 0; i < gpus.size(); ++i)
        out += fmt::format("{}{} {} {}", i == 0 ? "" : ", ", i, gpus[i].uuid, gpus[i].bus.str());
    for (size_t i = 0, n = 0; i < migs.size(); ++i, ++n) {
        if (i > 0 && migs[i].gpu != migs[i - 1].gpu) n = 0;
        out += fmt::format(", MIG {}:{} = {}:{}:{}", migs[i].gpu, n, migs[i].gpu, migs[i].gi, migs[i].ci);
        if (!migs[i].uuid.empty()) out += " " + migs[i].uuid;
    }
    return out;
}

// The MIG device `id` names, if it exists.
std::optional<size_t> find_mig(const std::vector<GpuRef>& gpus, const std::vector<MigRef>& migs,
                               const DeviceId& id) {
    std::optional<size_t> gpu;
    if (id.kind == DeviceIdKind::mig_uuid) {
        for (size_t i = 0; i < migs.size(); ++i)
            if (!migs[i].uuid.empty() && iequals(migs[i].uuid, id.text)) return i;
        return std::nullopt;
    }
    if (id.kind == DeviceIdKind::mig_legacy) {
        for (size_t i = 0; i < gpus.size() && !gpu; ++i)
            if (iequals(gpus[i].uuid, id.gpu_uuid)) gpu = i;
    } else if (id.index < gpus.size()) {
        gpu = id.index;
    }
    if (!gpu) return std::nullopt;
    std::uint32_t nth = 0;
    for (size_t i = 0; i < migs.size(); ++i) {
        if (migs[i].gpu != *gpu) continue;
        bool match = id.kind == DeviceIdKind::mig_index ? nth++ == id.mig_index
                                                        : migs[i].gi == id.mig_index && migs[i].ci == id.ci;
        if (match) return i;
    }
    return std::nullopt;
}

void add_unique(std::vector<size_t>& v, size_t i) {
    if (std::find(v.begin(), v.end(), i) == v.end()) v.push_back(i);
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
    std::vector<std::uint32_t> numbers = colon_numbers(text);
    if (all_digits(text)) {
        if (auto n = parse_u32(text)) {
            id.kind = DeviceIdKind::index;
            id.index = *n;
        }
    } else if (istarts_with(text, "GPU-") && is_uuid(text.substr(4))) {
        id.kind = DeviceIdKind::gpu_uuid;
    } else if (istarts_with(text, "MIG-") && is_uuid(text.substr(4))) {
        id.kind = DeviceIdKind::mig_uuid;
    } else if (parse_mig_legacy(text, id)) {
        id.kind = DeviceIdKind::mig_legacy;
    } else if (numbers.size() == 2 || numbers.size() == 3) {
        id.kind = numbers.size() == 2 ? DeviceIdKind::mig_index : DeviceIdKind::mig_instance;
        id.index = numbers[0];
        id.mig_index = numbers[1];
        if (numbers.size() == 3) id.ci = numbers[2];
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

bool names_mig_uuid(const VisibleDevices& request) {
    return request.mode == VisibleMode::list &&
           std::any_of(request.ids.begin(), request.ids.end(),
                       [](const DeviceId& id) { return id.kind == DeviceIdKind::mig_uuid; });
}

Selection select_devices(const std::vector<GpuRef>& gpus, const std::vector<MigRef>& migs,
                         const VisibleDevices& request, std::string_view nvml_problem) {
    Selection out;
    if (request.mode == VisibleMode::all) {
        for (size_t i = 0; i < gpus.size(); ++i) out.gpus.push_back(i);
        for (size_t i = 0; i < migs.size(); ++i) out.migs.push_back(i);
        return out;
    }
    if (request.mode != VisibleMode::list) return out;
    for (const DeviceId& id : request.ids) {
        std::optional<size_t> found, mig;
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
                // MIG UUIDs exist only in NVML; the driver's files name GI/CI numbers.
                if (!nvml_problem.empty())
                    throw_error(
                        "nvidia: MIG device '{}': MIG UUIDs need NVML (libnvidia-ml): {}; name it "
                        "<gpu>:<gi>:<ci> (available: {})",
                        id.text, nvml_problem, available(gpus, migs));
                [[fallthrough]];
            case DeviceIdKind::mig_legacy:
            case DeviceIdKind::mig_index:
            case DeviceIdKind::mig_instance:
                mig = find_mig(gpus, migs, id);
                if (mig) found = migs[*mig].gpu;
                break;
            case DeviceIdKind::unknown: break;
        }
        if (!found)
            throw_error("nvidia: unknown device '{}' in NVIDIA_VISIBLE_DEVICES (available: {})", id.text,
                        available(gpus, migs));
        // A MIG device brings its parent GPU's node: the caps only gate access to it.
        add_unique(out.gpus, *found);
        if (mig) add_unique(out.migs, *mig);
    }
    return out;
}

}  // namespace berth::nvidia
