#include "hooks/nvidia/proc_driver.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

#include <charconv>

namespace berth::nvidia {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Calls fn(line) for every line, without the newline.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        fn(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

std::optional<std::uint32_t> parse_hex(std::string_view text, size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

bool is_version(std::string_view token) {
    bool dot = false;
    if (token.empty() || token.front() == '.' || token.back() == '.') return false;
    for (char c : token) {
        if (c == '.') {
            dot = true;
        } else if (c < '0' || c > '9') {
            return false;
        }
    }
    return dot && token.find("..") == std::string_view::npos;
}

}  // namespace

std::string PciAddress::str() const {
    return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

std::optional<PciAddress> parse_pci_address(std::string_view text) {
    // Split off ".f", then the colon-separated parts from the right.
    size_t dot = text.rfind('.');
    if (dot == std::string_view::npos) return std::nullopt;
    auto function = parse_hex(text.substr(dot + 1), 1);
    std::string_view rest = text.substr(0, dot);
    size_t c2 = rest.rfind(':');
    if (!function || *function > 7 || c2 == std::string_view::npos) return std::nullopt;
    auto device = parse_hex(rest.substr(c2 + 1), 2);
    rest = rest.substr(0, c2);
    size_t c1 = rest.rfind(':');
    auto bus = parse_hex(c1 == std::string_view::npos ? rest : rest.substr(c1 + 1), 2);
    std::optional<std::uint32_t> domain = 0;
    if (c1 != std::string_view::npos) domain = parse_hex(rest.substr(0, c1), 8);
    if (!device || *device > 0x1f || !bus || !domain) return std::nullopt;
    return PciAddress{*domain, *bus, *device, *function};
}

std::optional<std::uint32_t> parse_u32(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 10);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::string parse_driver_version(std::string_view text, std::string_view source) {
    std::string version;
    for_each_line(text, [&](std::string_view line) {
        if (!version.empty() || !line.starts_with("NVRM version:")) return;
        size_t module = line.find("Module");
        if (module == std::string_view::npos) return;
        std::string_view rest = line.substr(module + 6);
        // The first dotted number after "Module" is the version; "for x86_64" and
        // "Release Build" in the open banner are skipped by the same rule.
        while (!rest.empty()) {
            rest = trim(rest);
            size_t end = rest.find_first_of(" \t");
            std::string_view token = rest.substr(0, end);
            if (is_version(token)) {
                version = std::string(token);
                return;
            }
            if (end == std::string_view::npos) break;
            rest.remove_prefix(end);
        }
    });
    if (version.empty()) throw_error("{}: no driver version in an \"NVRM version:\" line", source);
    return version;
}

GpuInformation parse_gpu_information(std::string_view text, std::string_view source) {
    GpuInformation info;
    bool have_uuid = false, have_bus = false, have_minor = false;
    for_each_line(text, [&](std::string_view line) {
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return;
        std::string_view key = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        if (key == "Model") {
            info.model = std::string(value);
        } else if (key == "GPU UUID") {
            if (!value.starts_with("GPU-") || value.size() < 5)
                throw_error("{}: bad GPU UUID \"{}\"", source, value);
            info.uuid = std::string(value);
            have_uuid = true;
        } else if (key == "Bus Location") {
            auto bus = parse_pci_address(value);
            if (!bus) throw_error("{}: bad bus location \"{}\"", source, value);
            info.bus = *bus;
            have_bus = true;
        } else if (key == "Device Minor") {
            auto minor = parse_u32(value);
            // 255 and 254 are nvidiactl and nvidia-modeset; GPUs never get them.
            if (!minor || *minor >= 254) throw_error("{}: bad device minor \"{}\"", source, value);
            info.minor = *minor;
            have_minor = true;
        }
    });
    if (!have_uuid) throw_error("{}: no \"GPU UUID\" line", source);
    if (!have_bus) throw_error("{}: no \"Bus Location\" line", source);
    if (!have_minor) throw_error("{}: no \"Device Minor\" line", source);
    return info;
}

std::map<std::string, std::uint32_t, std::less<>> parse_proc_devices(std::string_view text,
                                                                     std::string_view source) {
    std::map<std::string, std::uint32_t, std::less<>> majors;
    bool in_char = false, seen_char = false;
    for_each_line(text, [&](std::string_view line) {
        line = trim(line);
        if (line.empty()) return;
        if (line == "Character devices:") {
            in_char = seen_char = true;
            return;
        }
        if (line.back() == ':') {  // "Block devices:"
            in_char = false;
            return;
        }
        if (!in_char) return;
        size_t space = line.find_first_of(" \t");
        auto major = parse_u32(line.substr(0, space));
        std::string_view name = space == std::string_view::npos ? "" : trim(line.substr(space));
        if (!major || name.empty()) throw_error("{}: bad line \"{}\"", source, line);
        majors.emplace(std::string(name), *major);
    });
    if (!seen_char) throw_error("{}: no \"Character devices:\" section", source);
    return majors;
}

std::vector<MigMinor> parse_mig_minors(std::string_view text, std::string_view source) {
    std::vector<MigMinor> out;
    for_each_line(text, [&](std::string_view line) {
        line = trim(line);
        if (line.empty()) return;
        size_t space = line.find_first_of(" \t");
        auto minor = space == std::string_view::npos ? std::nullopt : parse_u32(trim(line.substr(space)));
        if (!minor) throw_error("{}: bad line \"{}\"", source, line);
        out.push_back({std::string(line.substr(0, space)), *minor});
    });
    return out;
}

}  // namespace berth::nvidia
