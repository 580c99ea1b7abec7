#include "cgroup/saved_form.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

#include <fmt/format.h>

#include <cctype>

namespace berth::cgroup {

namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-' || c == ':' || c == ',' || c == '@') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

std::string unescape(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            throw_error("load cgroup state: bad escape in \"{}\"", s);
        }
        out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
        i += 2;
    }
    return out;
}

}  // namespace

const std::string& SavedForm::get(const std::string& key) const {
    for (const auto& [k, v] : items_) {
        if (k == key) return v;
    }
    throw_error("load cgroup state: no \"{}\"", key);
}

std::string SavedForm::get_or(const std::string& key, const std::string& fallback) const {
    for (const auto& [k, v] : items_) {
        if (k == key) return v;
    }
    return fallback;
}

std::string SavedForm::encode() const {
    std::string out = kTag;
    for (const auto& [k, v] : items_) out += " " + k + "=" + escape(v);
    return out;
}

SavedForm SavedForm::decode(const std::string& line) {
    const auto tokens = text::fields(line);
    if (tokens.empty() || tokens[0] != kTag) throw_error("load cgroup state: not a berth cgroup state line");
    SavedForm form;
    for (std::size_t i = 1; i < tokens.size(); ++i) {
        const std::string token(tokens[i]);
        const auto eq = token.find('=');
        if (eq == std::string::npos || eq == 0) throw_error("load cgroup state: bad token \"{}\"", token);
        form.add(token.substr(0, eq), unescape(token.substr(eq + 1)));
    }
    return form;
}

}  // namespace berth::cgroup
