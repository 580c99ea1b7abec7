// Small file operations on cgroup directories, with the error texts the drivers report.
// Runs in the parent. Every function throws berth::Error naming the file and the errno.
#pragma once

#include <dirent.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace berth::cgroup::fsio {

// Path calls on cgroup files. A path under /sys/fs/cgroup is resolved from that directory,
// opened O_PATH once per process, so no call walks /sys/fs and /sys/fs/cgroup again: they
// are sysfs (kernfs) entries, whose lookup takes sysfs's kernfs rwsem, and every network
// namespace made or torn down (its loopback device) takes that rwsem for writing; 50
// containers made at once queued there (kernfs_dop_revalidate). Other paths (a test's
// tree) go as they are. The results and errno of open(2), mkdir(2), rmdir(2),
// faccessat(2), opendir(3).
int open(const std::string& path, int flags, mode_t mode = 0);
int mkdir(const std::string& path, mode_t mode);
int rmdir(const std::string& path);
int access(const std::string& path, int mode);
DIR* opendir(const std::string& path);

bool exists(const std::string& path);
// The whole file; throws `read "<path>": <errno>`.
std::string read(const std::string& path);
// The file, or nullopt when it does not exist (other errors still throw).
std::optional<std::string> read_if_exists(const std::string& path);
std::string trim(std::string s);

// Writes `value` to dir/file in one write(2), as the kernel wants a control file written.
// `create` makes a missing file (emulated trees only: cgroupfs files cannot be created).
// Throws `write "<file>" = "<value>": <errno>`, with the cgroup dir in the message only via
// the caller's context.
void write(const std::string& dir, const std::string& file, const std::string& value, bool create);

// mkdir -p of `path` below the existing `base`; calls `made(dir)` for each directory it
// creates or finds on the way (base excluded, path included), top down. Returns the
// directories it created itself, top down.
template <typename F>
std::vector<std::string> make_path(const std::string& base, const std::string& path, F&& made);

// Removes a cgroup directory and its sub-cgroups depth first, retrying EBUSY (processes that
// are exiting still pin the cgroup for a moment) for about a second. A missing directory is
// fine. `emulated`: remove plain files too (a test's tree).
void remove_cgroup(const std::string& path, bool emulated);

// Pids in cgroup.procs of `dir` and all its descendants.
std::vector<pid_t> read_pids_recursive(const std::string& dir);

// True when it made the directory, false when it existed already.
bool mkdir_one(const std::string& path);

template <typename F>
std::vector<std::string> make_path(const std::string& base, const std::string& path, F&& made) {
    std::vector<std::string> created;
    std::size_t pos = base.size();
    while (pos < path.size()) {
        auto next = path.find('/', pos + 1);
        if (next == std::string::npos) next = path.size();
        const std::string dir = path.substr(0, next);
        if (mkdir_one(dir)) created.push_back(dir);
        made(dir);
        pos = next;
    }
    return created;
}

}  // namespace berth::cgroup::fsio
