#include "hooks/nvidia/requirements.hpp"

#include "hooks/nvidia/proc_driver.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace berth::nvidia {
namespace {

// Longest operators first so "<=" is not read as "<".
constexpr std::array<std::pair<std::string_view, RequireOp>, 6> kOps{{
    {">=", RequireOp::ge},
    {"<=", RequireOp::le},
    {"!=", RequireOp::ne},
    {"=", RequireOp::eq},
    {"<", RequireOp::lt},
    {">", RequireOp::gt},
}};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool is_version_key(std::string_view key) {
    return key == "cuda" || key == "driver" || key == "arch";
}

[[noreturn]] void invalid(std::string_view name, std::string_view term) {
    throw_error("nvidia: requirement error: invalid expression '{}' in {}", term, name);
}

RequireTerm parse_term(std::string_view name, std::string_view text) {
    size_t at = text.find_first_of("=!<>");
    if (at == 0 || at == std::string_view::npos) invalid(name, text);
    RequireTerm term;
    term.text = std::string(text);
    term.key = lower(text.substr(0, at));
    std::string_view rest = text.substr(at);
    auto op =
        std::find_if(kOps.begin(), kOps.end(), [&](const auto& o) { return rest.starts_with(o.first); });
    if (op == kOps.end()) invalid(name, text);
    term.op = op->second;
    term.value = std::string(rest.substr(op->first.size()));
    if (term.value.empty() || term.value.find_first_of("=!<>") != std::string::npos) invalid(name, text);
    for (char c : term.key)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) invalid(name, text);
    // Checked at parse time so a typo fails even when the fact is unknown.
    if (is_version_key(term.key) && !compare_versions(term.value, term.value)) invalid(name, text);
    if (term.key == "brand" && term.op != RequireOp::eq && term.op != RequireOp::ne) invalid(name, text);
    return term;
}

bool holds(int cmp, RequireOp op) {
    switch (op) {
        case RequireOp::eq: return cmp == 0;
        case RequireOp::ne: return cmp != 0;
        case RequireOp::lt: return cmp < 0;
        case RequireOp::le: return cmp <= 0;
        case RequireOp::gt: return cmp > 0;
        case RequireOp::ge: return cmp >= 0;
    }
    return false;
}

bool term_holds(const RequireTerm& term, const RequireFacts& facts) {
    const std::optional<std::string>* fact = nullptr;
    if (term.key == "cuda")
        fact = &facts.cuda;
    else if (term.key == "driver")
        fact = &facts.driver;
    else if (term.key == "arch")
        fact = &facts.arch;
    else if (term.key == "brand")
        fact = &facts.brand;
    if (fact == nullptr || !fact->has_value()) return true;  // unknown key or fact
    if (term.key == "brand") return holds(lower(**fact) == lower(term.value) ? 0 : 1, term.op);
    auto cmp = compare_versions(**fact, term.value);
    return cmp ? holds(*cmp, term.op) : true;  // an unparseable fact is as good as unknown
}

std::vector<std::string_view> split(std::string_view s, std::string_view seps) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        size_t at = s.find_first_of(seps);
        if (at != 0) out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) break;
        s.remove_prefix(at + 1);
    }
    return out;
}

}  // namespace

std::optional<int> compare_versions(std::string_view a, std::string_view b) {
    std::vector<std::string_view> pa = split(a, "."), pb = split(b, ".");
    auto empty_part = [](std::string_view v) {
        return v.find("..") != std::string_view::npos || v.front() == '.' || v.back() == '.';
    };
    if (a.empty() || b.empty() || empty_part(a) || empty_part(b)) return std::nullopt;
    for (size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        std::optional<std::uint32_t> x = i < pa.size() ? parse_u32(pa[i]) : std::optional<std::uint32_t>(0);
        std::optional<std::uint32_t> y = i < pb.size() ? parse_u32(pb[i]) : std::optional<std::uint32_t>(0);
        if (!x || !y) return std::nullopt;
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}

Requirement parse_requirement(std::string_view name, std::string_view value) {
    Requirement req{std::string(name), std::string(value), {}};
    for (std::string_view alternative : split(value, " \t")) {
        std::vector<RequireTerm> terms;
        for (std::string_view term : split(alternative, ",")) terms.push_back(parse_term(name, term));
        if (!terms.empty()) req.any_of.push_back(std::move(terms));
    }
    return req;
}

bool satisfied(const Requirement& requirement, const RequireFacts& facts) {
    if (requirement.any_of.empty()) return true;
    return std::any_of(requirement.any_of.begin(), requirement.any_of.end(), [&](const auto& terms) {
        return std::all_of(terms.begin(), terms.end(),
                           [&](const RequireTerm& t) { return term_holds(t, facts); });
    });
}

void check_requirements(const std::vector<Requirement>& requirements,
                        const std::vector<RequireFacts>& facts) {
    for (const Requirement& req : requirements) {
        for (const RequireFacts& f : facts) {
            if (satisfied(req, f)) continue;
            std::string_view first = req.text;
            first = first.substr(first.find_first_not_of(" \t"));
            first = first.substr(0, first.find_first_of(" \t"));
            std::string device;
            // The device only matters once NVML said what it is.
            if (!f.device.empty() && (f.brand || f.arch))
                device = fmt::format("{}: brand {}, arch {}; ", f.device, f.brand.value_or("unknown"),
                                     f.arch.value_or("unknown"));
            throw_error(
                "nvidia: requirement error: unsatisfied condition: {} ({}; {}driver {} supports "
                "CUDA {})",
                first, req.name, device, f.driver.value_or("unknown"), f.cuda.value_or("unknown"));
        }
    }
}

bool uses_key(const std::vector<Requirement>& requirements, std::initializer_list<std::string_view> keys) {
    for (const Requirement& req : requirements)
        for (const auto& terms : req.any_of)
            for (const RequireTerm& t : terms)
                if (std::find(keys.begin(), keys.end(), t.key) != keys.end()) return true;
    return false;
}

bool parse_go_bool_true(std::string_view value) {
    return value == "1" || value == "t" || value == "T" || value == "true" || value == "TRUE" ||
           value == "True";
}

}  // namespace berth::nvidia
