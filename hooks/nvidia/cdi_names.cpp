#include "hooks/nvidia/cdi_names.hpp"

#include "util/error.hpp"

#include <algorithm>

namespace berth::nvidia {
namespace {

bool is_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
    return is_letter(c) || is_digit(c);
}

// Shared rule of vendor and class names.
std::string vendor_like_error(std::string_view what, std::string_view text) {
    if (text.empty()) return std::string(what) + " is empty";
    if (!is_letter(text.front())) return std::string(what) + " must start with a letter";
    if (!is_alnum(text.back())) return std::string(what) + " must end with a letter or digit";
    for (char c : text)
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
            return std::string(what) + " has an invalid character '" + c + "'";
    return {};
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::string vendor_name_error(std::string_view vendor) {
    return vendor_like_error("vendor", vendor);
}

std::string class_name_error(std::string_view class_) {
    return vendor_like_error("class", class_);
}

std::string device_name_error(std::string_view name) {
    if (name.empty()) return "name is empty";
    if (!is_alnum(name.front())) return "name must start with a letter or digit";
    if (!is_alnum(name.back())) return "name must end with a letter or digit";
    for (char c : name)
        if (!is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':')
            return std::string("name has an invalid character '") + c + "'";
    return {};
}

std::string kind_error(std::string_view kind) {
    size_t slash = kind.find('/');
    if (slash == std::string_view::npos) return "kind must be vendor/class";
    std::string why = vendor_name_error(kind.substr(0, slash));
    if (why.empty()) why = class_name_error(kind.substr(slash + 1));
    return why;
}

bool looks_qualified(std::string_view text) {
    size_t slash = text.find('/');
    size_t eq = text.find('=');
    return slash != std::string_view::npos && eq != std::string_view::npos && slash > 0 && eq > slash + 1 &&
           eq + 1 < text.size();
}

QualifiedName parse_qualified_name(std::string_view text) {
    if (!looks_qualified(text))
        throw_error("invalid CDI device name '{}': not of the form vendor/class=name", text);
    size_t slash = text.find('/');
    size_t eq = text.find('=');
    QualifiedName q{std::string(text.substr(0, slash)), std::string(text.substr(slash + 1, eq - slash - 1)),
                    std::string(text.substr(eq + 1))};
    std::string why = vendor_name_error(q.vendor);
    if (why.empty()) why = class_name_error(q.class_);
    if (why.empty()) why = device_name_error(q.name);
    if (!why.empty()) throw_error("invalid CDI device name '{}': {}", text, why);
    return q;
}

std::vector<std::string> cdi_names_from_annotations(const std::map<std::string, std::string>& annotations,
                                                    const std::vector<std::string>& prefixes) {
    std::vector<std::string> names;
    for (const auto& [key, value] : annotations) {
        bool ours = std::any_of(prefixes.begin(), prefixes.end(),
                                [&key = key](const std::string& p) { return key.starts_with(p); });
        if (!ours) continue;
        std::string_view rest = value;
        while (true) {
            size_t comma = rest.find(',');
            std::string_view item = trim(rest.substr(0, comma));
            if (!item.empty()) {
                try {
                    parse_qualified_name(item);
                } catch (const Error& e) {
                    throw e.with_context("nvidia: annotation '" + key + "'");
                }
                if (std::find(names.begin(), names.end(), item) == names.end()) names.emplace_back(item);
            }
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return names;
}

}  // namespace berth::nvidia
