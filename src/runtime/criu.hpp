// What checkpoint and restore share about Debian's criu binary: whether it works here
// (`criu check`, cached), the options both commands pass, the external mounts. The
// requests themselves go over its swrk RPC (criu_rpc.hpp). Parent only; throws berth::Error.
#pragma once

#include "oci/config.hpp"
#include "runtime/operations.hpp"
#include "util/unique_fd.hpp"

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

// `name` as execvp would find it, or "" when it is nowhere on PATH.
std::string find_binary(const std::string& name);

// CRIU's first "Error (file:line): text" line of a log as "text" (the cause; the rest are
// its consequences), else its last non-empty line.
std::string first_error(const std::string& log_text);

// The flags both commands share (CriuCommonOptions) as RPC options, log level 4 and the
// configuration file of `config` (runc's org.criu.config annotation, else
// /etc/criu/berth.conf when it exists); `restore` adds those only restore takes (empty_ns).
struct Opts;
inline constexpr const char* kDefaultConfigFile = "/etc/criu/berth.conf";
Opts common_opts(const CriuCommonOptions& o, const oci::Config& config, bool restore);

// --image-path and --work-path made absolute (default ./checkpoint and the image path).
std::string image_dir(const CriuCommonOptions& o);
std::string work_dir(const CriuCommonOptions& o);

// A directory opened for CRIU to reach as /proc/<berth>/fd/N (images_dir_fd, work_dir_fd).
UniqueFd open_dir(const std::string& path);

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
