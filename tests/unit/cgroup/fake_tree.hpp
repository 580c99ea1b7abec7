// A temporary directory laid out like /sys/fs/cgroup on a hybrid, legacy or unified host, for
// driving FsManager without root. Removed with everything in it when the object goes away.
#pragma once

#include "cgroup/layout.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cgtest {

class FakeTree {
public:
    enum Kind { legacy, hybrid, unified };

    explicit FakeTree(Kind kind) : kind_(kind) {
        std::string tmpl = (std::filesystem::temp_directory_path() / "berth-cgroup-fake-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp");
        root_ = tmpl;
        if (kind == unified) {
            put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n");
            put("cpuset.cpus.effective", "0-3\n");
            return;
        }
        for (const char* c : {"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "pids", "systemd"}) {
            std::filesystem::create_directories(root_ / c);
        }
        put("cpuset/cpuset.cpus", "0-3\n");
        put("cpuset/cpuset.mems", "0\n");
        if (kind == hybrid) put("unified/cgroup.controllers", "hugetlb\n");
    }
    ~FakeTree() {
        std::error_code ec;
        std::filesystem::remove_all(root_, ec);
    }
    FakeTree(const FakeTree&) = delete;
    FakeTree& operator=(const FakeTree&) = delete;

    std::string root() const { return root_.string(); }
    void put(const std::string& rel, const std::string& text) const {
        std::filesystem::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << text;
    }
    std::string get(const std::string& rel) const {
        std::ifstream in(root_ / rel);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    bool exists(const std::string& rel) const { return std::filesystem::exists(root_ / rel); }

    // The tree as discover_host() would see a host mounted like it: every directory at the
    // top (symlinks skipped) is a v1 hierarchy named after its controllers ("cpu,cpuacct";
    // "systemd" is the named one), plus the cgroup2 root. Made for tests only: the runtime
    // reads /proc/self/mountinfo instead.
    berth::cgroup::HostView host() const {
        using berth::cgroup::Hierarchy;
        berth::cgroup::HostView h;
        h.emulated = true;
        if (kind_ == unified) {
            h.layout = berth::cgroup::Layout::unified;
            h.unified = Hierarchy{root(), words(get("cgroup.controllers")), true};
            return h;
        }
        h.layout = kind_ == hybrid ? berth::cgroup::Layout::hybrid : berth::cgroup::Layout::legacy;
        for (const auto& e : std::filesystem::directory_iterator(root_)) {
            const std::string name = e.path().filename().string();
            if (e.is_symlink() || !e.is_directory() || name == "unified") continue;
            Hierarchy v1{e.path().string(), split(name, ','), false};
            if (name == "systemd") v1.controllers = {"name=systemd"};
            h.v1.push_back(std::move(v1));
        }
        std::sort(h.v1.begin(), h.v1.end(), [](const auto& a, const auto& b) { return a.mount < b.mount; });
        if (kind_ == hybrid) h.unified = Hierarchy{root() + "/unified", words(get("unified/cgroup.controllers")), true};
        return h;
    }

private:
    static std::vector<std::string> split(const std::string& s, char sep) {
        std::vector<std::string> out;
        std::string cur;
        for (char c : s + sep) {
            if (c != sep && c != '\n') {
                cur += c;
            } else if (!cur.empty()) {
                out.push_back(cur);
                cur.clear();
            }
        }
        return out;
    }
    static std::vector<std::string> words(const std::string& s) { return split(s, ' '); }

    Kind kind_;
    std::filesystem::path root_;
};

}  // namespace cgtest
