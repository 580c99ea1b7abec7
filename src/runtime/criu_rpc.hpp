// CRIU's RPC (criu/rpc.proto of Debian's criu package) as berth speaks it: the request and
// response messages, encoded with util/protobuf_wire, and one `criu swrk` session (runc's
// way of driving CRIU): CRIU as berth's child with one end of a SOCK_SEQPACKET socketpair,
// one request, notifications answered until the final response. Parent only.
#pragma once

#include "runtime/operations.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::runtime::criu {

// criu_req_type
enum class Request : int { dump = 1, restore = 2, check = 3, pre_dump = 4, notify = 6 };

// criu_cg_mode
enum class CgroupMode : int { ignore = 0, soft = 3, full = 4, strict = 5 };

struct InheritFd {
    std::string key;  // what the image calls it: "pipe:[123]", "extRootNetNS"
    int fd = -1;      // in CRIU's own fd table (inherited from berth without O_CLOEXEC)
};

struct CgroupRoot {
    std::optional<std::string> controllers;  // "cpu,cpuacct"; "" is cgroup2; none: every hierarchy
    std::string path;
};

// criu_opts: the fields berth sets. Fds named here (images, work, status) are berth's:
// CRIU opens them as /proc/<berth>/fd/N, the peer of its socket.
struct Opts {
    int images_dir_fd = -1;
    int work_dir_fd = -1;
    pid_t pid = 0;  // dump: the init
    std::string log_file;  // a name in the work directory
    int log_level = 4;
    bool leave_running = false, ext_unix_sk = false, tcp_established = false, evasive_devices = false;
    bool shell_job = false, file_locks = false, track_mem = false, auto_dedup = false, lazy_pages = false;
    bool rst_sibling = false, notify_scripts = true, orphan_pts_master = false;
    std::string root, parent_img, freeze_cgroup, lsm_profile, lsm_mount_context, config_file;
    std::optional<CgroupMode> manage_cgroups_mode;
    std::vector<std::string> external;  // "mnt[KEY]:VAL", "net[INODE]:KEY", as --external takes them
    std::vector<InheritFd> inherit_fd;
    std::vector<CgroupRoot> cg_root;
    std::uint32_t empty_ns = 0;  // CLONE_NEWNET only
    std::optional<int> status_fd;
    std::optional<std::pair<std::string, int>> page_server;  // address, port
};

std::string encode_request(Request type, const Opts* opts, bool notify_success = false);

// criu_resp: what berth reads of it.
struct Response {
    int type = 0;
    bool success = false;
    std::string script;  // notify: its name ("setup-namespaces", "orphan-pts-master", ...)
    pid_t notify_pid = 0;
    pid_t restore_pid = 0;
    int cr_errno = 0;
    std::string cr_errmsg;
};

// Throws berth::Error on a malformed message.
Response decode_response(std::string_view data);

struct SessionHooks {
    // In the forked child before it becomes `criu swrk` (it may allocate: berth is
    // single-threaded); a throw is written to `log` and fails the session. The fds it
    // returns (opened in the child, so in its mount namespace) are sent to berth.
    std::function<std::vector<int>()> in_child;
    // In the parent with CRIU's pid, before CRIU is released.
    std::function<void(pid_t)> started;
    // In the parent with the fds in_child returned, in order, before the request is sent.
    // started and received may still change the Opts given to call(): it is encoded after.
    std::function<void(std::vector<UniqueFd>)> received;
    // Each notification, with the fd riding on it (orphan-pts-master's pty master) if any.
    // A throw answers CRIU "failed" (it then undoes its work and fails the request) and is
    // rethrown once CRIU has answered and exited, so the first error survives.
    std::function<void(const Response&, UniqueFd)> notify;
};

// Runs one request through `criu swrk` and waits for CRIU to exit. CRIU's stdio are
// berth's for RESTORE (inherit_fd may name them), /dev/null otherwise. Throws
// `criu <action> failed: <CRIU's first error line> (log: <log>)` unless it succeeded.
Response call(const GlobalOptions& global, Request type, const Opts& opts, const std::string& log,
              const SessionHooks& hooks = {});

}  // namespace berth::runtime::criu
