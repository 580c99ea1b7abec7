#include "cgroup/sub_cgroup.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

namespace berth::cgroup {

SubCgroup parse_sub_cgroup(std::string_view value) {
    SubCgroup sub;
    std::string_view path = value;
    if (auto colon = value.find(':'); colon != std::string_view::npos) {
        for (const auto& c : text::split(value.substr(0, colon), ',')) {
            if (c.empty()) throw_error("--cgroup \"{}\": an empty controller name", value);
            sub.controllers.push_back(c);
        }
        path = value.substr(colon + 1);
    }
    std::vector<std::string> parts;
    for (const auto& p : text::split(path, '/')) {
        if (p.empty() || p == ".") continue;
        // runc joins the path below the container's cgroup; berth refuses rather than clamps.
        if (p == "..") throw_error("--cgroup \"{}\": the path must stay inside the container's cgroup", value);
        parts.push_back(p);
    }
    if (parts.empty()) throw_error("--cgroup \"{}\": no sub-cgroup path", value);
    for (const auto& p : parts) sub.path += (sub.path.empty() ? "" : "/") + p;
    return sub;
}

}  // namespace berth::cgroup
