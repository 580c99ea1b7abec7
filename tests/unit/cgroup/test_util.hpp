// Helpers shared by the cgroup unit tests.
#pragma once

#include "cgroup/setting.hpp"

#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace berth::cgroup {

inline std::ostream& operator<<(std::ostream& os, const Setting& s) {
    return os << "{" << s.controller << ", " << s.file << ", \"" << s.value << "\", " << s.field << "}";
}

}  // namespace berth::cgroup

namespace cgtest {

// file → value pairs, in order, for comparing with an expected list.
inline std::vector<std::pair<std::string, std::string>> pairs(const berth::cgroup::Translation& t) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& s : t.settings) out.emplace_back(s.file, s.value);
    return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

// Runs `f`, expects berth::Error, and checks its message contains `part`.
template <typename F>
void expect_error(F&& f, const std::string& part) {
    try {
        f();
        BOOST_ERROR("no error; expected one containing \"" << part << "\"");
    } catch (const std::exception& e) {
        BOOST_TEST(std::string(e.what()).find(part) != std::string::npos, "error \"" << e.what() << "\" lacks \"" << part << "\"");
    }
}

}  // namespace cgtest

namespace std {
inline std::ostream& operator<<(std::ostream& os, const std::pair<std::string, std::string>& p) {
    return os << "(" << p.first << ", " << p.second << ")";
}
}  // namespace std
