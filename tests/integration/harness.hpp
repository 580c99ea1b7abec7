// Integration test harness: a private state root and bundle per test (busybox + the
// probe program in the rootfs), the built berth run as a subprocess, and the probe's
// key=value report parsed. Needs root.
#pragma once

#include "oci/config.hpp"

#include <map>
#include <string>
#include <vector>

namespace berth::it {

struct Result {
    int status = -1;  // exit code, or 128+signal
    std::string out;
    std::string err;
};

// Runs argv (argv[0] a path); stdin from /dev/null unless `input` is given.
Result run_command(const std::vector<std::string>& argv, const std::string& input = "");

// The probe's output as key -> values (a key may repeat: env=, mount=).
struct Report {
    std::multimap<std::string, std::string> values;
    std::string get(const std::string& key) const;  // first value or ""
    std::vector<std::string> all(const std::string& key) const;
    bool has_mount(const std::string& mountpoint, const std::string& fstype = "") const;
    std::string mount_options(const std::string& mountpoint) const;
};
Report parse_report(const std::string& text);

class Bundle {
public:
    Bundle();  // temp dir with rootfs/ and a default config (probe report, no terminal)
    ~Bundle();
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    oci::Config config;
    const std::string& dir() const { return dir_; }
    std::string rootfs() const { return dir_ + "/rootfs"; }
    std::string state_root() const { return dir_ + "/state"; }
    std::string id() const { return id_; }

    void save() const;  // writes config.json
    // berth --root <state_root> <args...>
    Result berth(const std::vector<std::string>& args, const std::string& input = "") const;
    // save() then `run <id>`; the probe report of the container.
    Result run(const std::vector<std::string>& extra = {}) const;

private:
    std::string dir_;
    std::string id_;
};

std::string berth_path();
void write_file(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::string& path);
bool path_exists(const std::string& path);
std::string host_mountinfo();

}  // namespace berth::it
