#include "cgroup/layout.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <algorithm>

namespace berth::cgroup {

namespace {

constexpr std::string_view kCgroupRoot = "/sys/fs/cgroup";

bool is_fs(const char* path, long magic) {
    struct statfs st {};
    return ::statfs(path, &st) == 0 && static_cast<long>(st.f_type) == magic;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    for (auto& part : text::split(s, sep)) {
        if (!part.empty()) out.push_back(std::move(part));
    }
    return out;
}

// The kernel's v1 controllers: the other super options of a cgroup mount ("rw", "xattr",
// "release_agent=…", "clone_children", "noprefix", "cpuset_v2_mode") are not controllers.
bool is_controller(std::string_view name) {
    static constexpr std::string_view kKnown[] = {"cpu",     "cpuacct", "cpuset",   "memory", "devices",
                                                  "freezer", "net_cls", "net_prio", "blkio",  "perf_event",
                                                  "hugetlb", "pids",    "rdma",     "misc"};
    return std::find(std::begin(kKnown), std::end(kKnown), name) != std::end(kKnown);
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo (octal).
std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            const auto o = s.substr(i + 1, 3);
            if (std::all_of(o.begin(), o.end(), [](char c) { return c >= '0' && c <= '7'; })) {
                out += static_cast<char>((o[0] - '0') * 64 + (o[1] - '0') * 8 + (o[2] - '0'));
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

// One mountinfo line: "36 25 0:31 / /sys/fs/cgroup/cpu rw,relatime shared:14 - cgroup cgroup rw,cpu".
struct MountLine {
    std::string mountpoint, fstype, super_options;
};

std::optional<MountLine> parse_line(std::string_view line) {
    const auto f = text::fields(line);
    const auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    // Six fields before the optional ones, then "-", fstype, source, super options.
    if (f.size() < 10 || dash == f.end() || dash - f.begin() < 6 || f.end() - dash < 4) return std::nullopt;
    return MountLine{unescape(f[4]), std::string(dash[1]), std::string(dash[3])};
}

std::string parent_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

}  // namespace

HostView parse_mountinfo(std::string_view mountinfo) {
    HostView host;
    std::optional<Hierarchy> v2_root, v2_hybrid;
    for (const auto& line : text::split(mountinfo, '\n')) {
        const auto m = parse_line(line);
        if (!m) continue;
        if (m->fstype == "cgroup2") {
            if (m->mountpoint == kCgroupRoot && !v2_root) v2_root = Hierarchy{m->mountpoint, {}, true};
            if (m->mountpoint == std::string(kCgroupRoot) + "/unified" && !v2_hybrid)
                v2_hybrid = Hierarchy{m->mountpoint, {}, true};
            continue;
        }
        if (m->fstype != "cgroup") continue;
        Hierarchy h{m->mountpoint, {}, false};
        for (auto& opt : split(m->super_options, ',')) {
            if (is_controller(opt) || opt.starts_with("name=")) h.controllers.push_back(std::move(opt));
        }
        const bool named_only = std::none_of(h.controllers.begin(), h.controllers.end(),
                                             [](const std::string& c) { return is_controller(c); });
        if (h.controllers.empty() || (named_only && parent_of(h.mount) != kCgroupRoot)) continue;
        const bool seen = std::any_of(host.v1.begin(), host.v1.end(),
                                      [&](const Hierarchy& o) { return o.controllers == h.controllers; });
        if (!seen) host.v1.push_back(std::move(h));
    }
    if (v2_root) {
        host.layout = Layout::unified;
        host.unified = std::move(v2_root);
        host.v1.clear();  // a v1 hierarchy mounted beside a v2 root is no container's business
        return host;
    }
    host.layout = v2_hybrid ? Layout::hybrid : Layout::legacy;
    host.unified = std::move(v2_hybrid);
    std::sort(host.v1.begin(), host.v1.end(), [](const auto& a, const auto& b) { return a.mount < b.mount; });
    return host;
}

HostView discover_host() {
    HostView host = parse_mountinfo(fs::self_mountinfo());
    if (host.unified) {
        const auto list = fs::read_file_if_exists(host.unified->mount + "/cgroup.controllers");
        if (list) host.unified->controllers = split(list->substr(0, list->find('\n')), ' ');
    }
    return host;
}

Layout detect_layout() {
    if (is_fs("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC)) return Layout::unified;
    if (is_fs("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC)) return Layout::hybrid;
    return Layout::legacy;
}

std::string clean_path(const std::string& path) {
    std::vector<std::string> parts;
    for (const auto& p : split(path, '/')) {
        if (p == ".") continue;
        if (p == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(p);
    }
    std::string out = !path.empty() && path[0] == '/' ? "/" : "";
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i) out += "/";
        out += parts[i];
    }
    return out;
}

std::string inner_path(const std::string& cgroups_path, const std::string& container_id) {
    std::string inner = clean_path(cgroups_path);
    if (inner.empty()) {
        // Appended, not "literal" + id: that form trips g++ 12's false -Wrestrict (bug 105329).
        std::string fallback = "/berth/";
        fallback += container_id;
        inner = clean_path(fallback);
    }
    if (inner.empty() || inner == "/" || inner == "/berth") {
        throw_error("cgroup path for container \"{}\" is empty", container_id);
    }
    if (inner[0] != '/') {
        std::string rooted(1, '/');
        rooted += inner;
        inner = std::move(rooted);
    }
    return inner;
}

std::string resolve_path(const Hierarchy& h, const std::string& inner) { return h.mount + inner; }

}  // namespace berth::cgroup
