// A temporary directory laid out like /sys/fs/cgroup on a hybrid, legacy or unified host, for
// driving FsManager without root. Removed with everything in it when the object goes away.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace cgtest {

class FakeTree {
public:
    enum Kind { legacy, hybrid, unified };

    explicit FakeTree(Kind kind) {
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

private:
    std::filesystem::path root_;
};

}  // namespace cgtest
