#include "util/text.hpp"

#include <charconv>

namespace berth::text {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    for (;;) {
        const auto at = s.find(sep);
        out.emplace_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

std::vector<std::string_view> fields(std::string_view s) {
    constexpr std::string_view kBlanks = " \t\n\r\v\f";
    std::vector<std::string_view> out;
    for (auto start = s.find_first_not_of(kBlanks); start != std::string_view::npos;
         start = s.find_first_not_of(kBlanks, start)) {
        const auto end = s.find_first_of(kBlanks, start);
        out.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end;
    }
    return out;
}

std::optional<long long> to_integer(std::string_view s) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return value;
}

}  // namespace berth::text
