// Driving Debian's criu binary through its command line (`criu dump|pre-dump|restore|check`):
// Debian ships libcriu only as a shared library, and the swrk RPC would need protobuf in
// the static berth (README, Design notes). Parent only; throws berth::Error.
#pragma once

#include "runtime/operations.hpp"

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace berth::runtime::criu {

// Whether checkpoint/restore can work on this host: `criu check` passed for this criu
// binary and this boot. `detail` is CRIU's version when usable, otherwise why not, in one
// line ("criu check failed on this host: vdso: Unexpected rt vDSO area bounds").
struct Availability {
    bool usable = false;
    std::string detail;
};

// `criu check` is slow (seconds under emulation), so its result is cached in
// <root>/.criu-check, keyed by the binary (path, inode, size, mtime), the kernel release and
// the boot id; a cached answer costs a stat and a file read.
Availability availability(const GlobalOptions& global);

// Throws `<what>: criu ...` (the one line of availability()) unless usable.
void require_usable(const GlobalOptions& global);

// Runs `criu args...` and waits. `in_child` runs in the forked child before execve (it may
// allocate: berth is single-threaded) and returns the extra arguments to append; `started`
// runs in the parent with the child's pid before the child is released. On a non-zero exit
// throws `criu <action> failed: <CRIU's first error line> (log: <log>)`.
void run(const GlobalOptions& global, std::vector<std::string> args, const std::string& log,
         const std::function<std::vector<std::string>()>& in_child = {},
         const std::function<void(pid_t)>& started = {});

// The flags both commands share (CriuCommonOptions) as criu arguments, with -v4;
// `restore` adds those only restore takes (--empty-ns).
std::vector<std::string> common_args(const CriuCommonOptions& o, bool restore);

// --image-path and --work-path made absolute (default ./checkpoint and the image path).
std::string image_dir(const CriuCommonOptions& o);
std::string work_dir(const CriuCommonOptions& o);

}  // namespace berth::runtime::criu

namespace berth::child {
struct LaunchPlan;
}

namespace berth::runtime::criu {

// A mount CRIU cannot dump by content, given by name: the image records `key` (the
// container path) and restore binds `source` (a host path) there.
struct ExternalMount {
    std::string key;
    std::string source;
};

// The container's mounts that come from the host: bind mounts, the host's /sys or cgroup
// directories bound in, and the masked files (binds of /dev/null). `init_pid` > 0 (dump):
// only masked paths that are files in that init's root; 0 (restore): every masked path,
// since CRIU ignores keys its image does not name.
std::vector<ExternalMount> external_mounts(const child::LaunchPlan& plan, pid_t init_pid);

}  // namespace berth::runtime::criu
