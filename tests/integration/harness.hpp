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

// A hook running `path` with `args` (argv, argv[0] included; empty: just the path).
oci::Hook hook(const std::string& path, std::vector<std::string> args);

std::string berth_path();
// A config.json mount entry.
oci::Mount make_mount(const std::string& destination, const std::string& type, const std::string& source,
                      std::vector<std::string> options = {});
// The container's "status" from `berth state` ("" when state fails).
std::string container_status(const Bundle& b);
// Polls container_status() until it reads `want`, for up to 3 s; false if it never does.
bool wait_for_status(const Bundle& b, const std::string& want);
void write_file(const std::string& path, const std::string& content, unsigned mode = 0644);
std::string read_file(const std::string& path);
bool path_exists(const std::string& path);
std::string host_mountinfo();

// What a hostile bundle could change on the host, taken before and after a run:
// host mounts (other than other tests' scratch mounts), the state root's entries,
// cgroup directories and processes tied to the bundle, and stat plus content of
// every file under the decoy targets.
struct HostSnapshot {
    std::vector<std::string> mounts;   // mountinfo "mountpoint fstype source", sorted
    std::vector<std::string> state;    // entries of the state root
    std::vector<std::string> cgroups;  // /sys/fs/cgroup dirs whose name has a needle
    std::vector<std::string> procs;    // pids whose root or cgroup is the bundle's
    std::vector<std::string> files;    // "path type mode size mtime hash" under each decoy
};
HostSnapshot snapshot_host(const Bundle& b, const std::vector<std::string>& decoys,
                           const std::vector<std::string>& cgroup_needles = {});
// "" when equal; otherwise one line per difference.
std::string diff(const HostSnapshot& before, const HostSnapshot& after);

}  // namespace berth::it
