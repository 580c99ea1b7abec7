#include "cgroup/rt_budget.hpp"

#include "cgroup/fs_io.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <dirent.h>

#include <memory>

namespace berth::cgroup {

namespace {

constexpr unsigned kBwShift = 20;  // the kernel's BW_SHIFT

std::uint64_t to_ratio(const RtShare& s) {
    if (s.period == 0) return 0;
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(s.runtime) << kBwShift) / s.period);
}

std::uint64_t read_number(const std::string& file) {
    auto text = fsio::read_if_exists(file);
    if (!text) return 0;
    const std::string t = fsio::trim(*text);
    // -1 (unlimited) exists only at the root, which berth never counts as its own.
    if (t.empty() || t[0] == '-') return 0;
    return std::stoull(t);
}

RtShare read_share(const std::string& dir) {
    return {read_number(dir + "/cpu.rt_period_us"), read_number(dir + "/cpu.rt_runtime_us")};
}

// The shares of `parent`'s sub-cgroups; `replace` (when not empty) counts as `with`.
std::vector<RtShare> children_of(const std::string& parent, const std::string& replace, const RtShare& with) {
    std::vector<RtShare> out;
    std::unique_ptr<DIR, int (*)(DIR*)> dir(fsio::opendir(parent), ::closedir);
    if (!dir) throw_errno("open cgroup \"{}\"", parent);
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string name = e->d_name;
        if (e->d_type != DT_DIR || name == "." || name == "..") continue;
        const std::string child = parent + "/" + name;
        out.push_back(child == replace ? with : read_share(child));
    }
    return out;
}

}  // namespace

std::uint64_t rt_runtime_needed(std::uint64_t parent_period, const std::vector<RtShare>& children) {
    unsigned __int128 sum = 0;
    for (const auto& c : children) sum += to_ratio(c);
    // The least R with (R << 20) / period >= sum.
    const unsigned __int128 r = (sum * parent_period + ((1u << kBwShift) - 1)) >> kBwShift;
    return static_cast<std::uint64_t>(r);
}

std::vector<std::string> own_rt_parents(const std::string& mount, const std::string& path) {
    std::vector<std::string> out;
    if (path.rfind(mount, 0) != 0) return out;
    std::string inner = path.substr(mount.size());
    for (auto slash = inner.rfind('/'); slash != std::string::npos && slash > 0; slash = inner.rfind('/')) {
        inner.resize(slash);
        if (inner != "/berth" && !inner.starts_with("/berth/")) break;
        out.push_back(mount + inner);
    }
    return out;
}

bool grant_rt_budget(const std::string& mount, const std::string& path, std::uint64_t runtime) {
    std::string child = path;
    RtShare want{read_number(path + "/cpu.rt_period_us"), runtime};
    std::vector<std::pair<std::string, std::uint64_t>> raises;  // closest first
    for (const auto& parent : own_rt_parents(mount, path)) {
        const RtShare current = read_share(parent);
        const std::uint64_t need = rt_runtime_needed(current.period, children_of(parent, child, want));
        if (need <= current.runtime) break;
        raises.emplace_back(parent, need);
        child = parent;
        want = {current.period, need};
    }
    // Top down: each raise must fit in the parent above, raised just before.
    for (auto it = raises.rbegin(); it != raises.rend(); ++it) {
        try {
            fsio::write(it->first, "cpu.rt_runtime_us", std::to_string(it->second), false);
        } catch (const Error& e) {
            throw Error(fmt::format("give the parent cgroup \"{}\" the realtime runtime {} its children need: "
                                    "the cgroup above it has no budget left",
                                    it->first, it->second),
                        e.error_number());
        }
        log::debug("cgroup: realtime runtime of \"{}\" raised to {}", it->first, it->second);
    }
    return !raises.empty();
}

void release_rt_budget(const std::string& mount, const std::string& path) noexcept {
    try {
        const auto parents = own_rt_parents(mount, path);
        if (parents.empty() || read_number(path + "/cpu.rt_runtime_us") == 0) return;
        // Zeroed before the directory goes: a removed cgroup stays among its parent's
        // children in the kernel until it is freed, a moment later, and its runtime still
        // counts against the parent until then.
        fsio::write(path, "cpu.rt_runtime_us", "0", false);
        for (const auto& parent : parents) {
            const RtShare current = read_share(parent);
            if (current.runtime == 0) break;
            const std::uint64_t need = rt_runtime_needed(current.period, children_of(parent, "", {}));
            if (need >= current.runtime) break;
            fsio::write(parent, "cpu.rt_runtime_us", std::to_string(need), false);
        }
    } catch (const Error& e) {
        log::warn("cgroup: return the realtime runtime of \"{}\": {}", path, e.what());
    }
}

}  // namespace berth::cgroup
