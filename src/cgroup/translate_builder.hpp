// Internal to translate_v1.cpp and translate_v2.cpp: appends settings to a Translation.
#pragma once

#include "cgroup/setting.hpp"

#include <string>
#include <utility>

namespace berth::cgroup::detail {

inline constexpr const char* kRes = ".linux.resources";

class Builder {
public:
    explicit Builder(Translation& t) : t_(t) {}
    void add(const char* controller, std::string file, std::string value, std::string field) {
        t_.settings.push_back({controller, std::move(file), std::move(value), std::move(field), {}, {}, false, {}});
    }
    Setting& last() { return t_.settings.back(); }
    Translation& out() { return t_; }

private:
    Translation& t_;
};

}  // namespace berth::cgroup::detail
