#include "cgroup/layout.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/text.hpp"

#include <dirent.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <algorithm>
#include <memory>

namespace berth::cgroup {

namespace {

bool is_fs(const std::string& path, long magic) {
    struct statfs st {};
    return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    for (auto& part : text::split(s, sep)) {
        if (!part.empty()) out.push_back(std::move(part));
    }
    return out;
}

// The kernel's v1 controllers; a hierarchy directory named otherwise is a named one
// ("systemd" is mounted with -o name=systemd).
bool is_controller(const std::string& name) {
    static const char* const kKnown[] = {"cpu",     "cpuacct", "cpuset",  "memory", "devices",
                                         "freezer", "net_cls", "net_prio", "blkio", "perf_event",
                                         "hugetlb", "pids",    "rdma",    "misc"};
    return std::any_of(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return name == k; });
}

std::vector<std::string> read_controllers(const std::string& file) {
    const auto contents = fs::read_file_if_exists(file);
    if (!contents) return {};
    return split(contents->substr(0, contents->find('\n')), ' ');
}

}  // namespace

Layout detect_layout(const std::string& root) {
    if (is_fs(root, CGROUP2_SUPER_MAGIC)) return Layout::unified;
    if (is_fs(root + "/unified", CGROUP2_SUPER_MAGIC)) return Layout::hybrid;
    // Neither is cgroup2: a real legacy host, or a test's directory told apart by its marker
    // files (a real legacy host has neither).
    if (exists(root + "/cgroup.controllers")) return Layout::unified;
    if (exists(root + "/unified/cgroup.controllers")) return Layout::hybrid;
    return Layout::legacy;
}

Layout detect_layout() { return detect_layout("/sys/fs/cgroup"); }

HostView discover_host(const std::string& root) {
    HostView host;
    host.layout = detect_layout(root);
    if (host.layout == Layout::unified) {
        host.emulated = !is_fs(root, CGROUP2_SUPER_MAGIC);
        host.unified = Hierarchy{root, read_controllers(root + "/cgroup.controllers"), true};
        return host;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(root.c_str()), ::closedir);
    if (!dir) throw_errno("open cgroup root \"{}\"", root);
    // A tmpfs root may still be a test's tree (/tmp on tmpfs): real hierarchies are cgroupfs.
    bool any_cgroupfs = false;
    while (const dirent* e = ::readdir(dir.get())) {
        const std::string name = e->d_name;
        if (name == "." || name == ".." || name == "unified") continue;
        const std::string path = root + "/" + name;
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;  // skips symlinks
        any_cgroupfs = any_cgroupfs || is_fs(path, CGROUP_SUPER_MAGIC);
        Hierarchy h{path, split(name, ','), false};
        if (h.controllers.size() == 1 && !is_controller(name)) h.controllers = {"name=" + name};
        host.v1.push_back(std::move(h));
    }
    std::sort(host.v1.begin(), host.v1.end(), [](const auto& a, const auto& b) { return a.mount < b.mount; });
    host.emulated = !any_cgroupfs;
    if (host.layout == Layout::hybrid) {
        const std::string u = root + "/unified";
        host.unified = Hierarchy{u, read_controllers(u + "/cgroup.controllers"), true};
    }
    return host;
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
