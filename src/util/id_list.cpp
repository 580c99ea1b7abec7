#include "util/id_list.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <charconv>

namespace berth::text {

namespace {

bool parse_id(std::string_view s, unsigned& out) {
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::vector<unsigned> parse_id_list(std::string_view list, unsigned limit, std::string_view field,
                                    std::string_view what) {
    std::vector<unsigned> ids;
    std::string_view rest(list);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        // A trailing comma leaves an empty item behind it: "0," is malformed too.
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        const auto dash = item.find('-');
        const std::string_view a = item.substr(0, dash);
        const std::string_view b = dash == std::string_view::npos ? a : item.substr(dash + 1);
        unsigned lo = 0, hi = 0;
        if (!parse_id(a, lo) || !parse_id(b, hi) || lo > hi || hi >= limit ||
            (comma != std::string_view::npos && rest.empty()))
            throw_error("{}: invalid {} list \"{}\"", field, what, list);
        for (unsigned id = lo; id <= hi; ++id) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
}

}  // namespace berth::text
