#include "runtime/criu.hpp"

#include "runtime/criu_rpc.hpp"
#include "runtime/state_store.hpp"
#include "util/text.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>

namespace berth::runtime::criu {

std::string find_binary(const std::string& name) {
    if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
    const char* env = ::getenv("PATH");
    std::string path = env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::size_t at = 0;
    while (at <= path.size()) {
        std::size_t end = path.find(':', at);
        if (end == std::string::npos) end = path.size();
        std::string candidate = path.substr(at, end - at) + "/" + name;
        if (end > at && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        at = end + 1;
    }
    return "";
}

std::string first_error(const std::string& text) {
    std::string last;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(at, end - at);
        at = end + 1;
        if (line.empty()) continue;
        last = line;
        std::size_t e = line.find("Error (");
        // "exited, status=1" only says that one of CRIU's helpers failed; its reason follows.
        if (e == std::string::npos || line.find("): exited, status=") != std::string::npos) continue;
        std::size_t close = line.find("): ", e);
        return close == std::string::npos ? line.substr(e) : line.substr(close + 3);
    }
    return last;
}

namespace {

// Runs `binary args` with stdout and stderr captured; returns the exit status (-1: not run).
int capture(const std::string& binary, const std::vector<std::string>& args, std::string& out) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) < 0) throw_errno("pipe");
    UniqueFd rd(pipefd[0]), wr(pipefd[1]);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, 0);
        ::dup2(wr.get(), 1);
        ::dup2(wr.get(), 2);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    wr.reset();
    out = fs::read_all(rd.get(), binary);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// What makes a cached `criu check` answer stale: another binary or another boot.
std::string cache_key(const std::string& binary) {
    struct stat st{};
    if (::stat(binary.c_str(), &st) < 0) return "";
    utsname u{};
    ::uname(&u);
    std::string boot = fs::read_file_if_exists("/proc/sys/kernel/random/boot_id").value_or("");
    while (!boot.empty() && boot.back() == '\n') boot.pop_back();
    return fmt::format("{} {} {} {} {} {}", binary, st.st_ino, st.st_size, st.st_mtim.tv_sec, u.release, boot);
}

Availability probe(const std::string& binary) {
    std::string out;
    int rc = capture(binary, {"check"}, out);
    if (rc != 0) {
        std::string why = first_error(out);
        return {false, fmt::format("criu check failed on this host: {}", why.empty() ? "exit status " + std::to_string(rc) : why)};
    }
    capture(binary, {"--version"}, out);
    std::string version = "criu";
    std::size_t v = out.find("Version: ");
    if (v != std::string::npos) version = "criu " + out.substr(v + 9, out.find('\n', v) - v - 9);
    return {true, version};
}

}  // namespace

Availability availability(const GlobalOptions& global) {
    std::string binary = find_binary(global.criu);
    if (binary.empty()) return {false, fmt::format("criu binary \"{}\" not found (install criu)", global.criu)};
    std::string key = cache_key(binary);
    std::string cache = global.root + "/" + kCriuCheckCache;
    if (auto text = fs::read_file_if_exists(cache)) {
        // Three lines: the key, "ok" or "no", the detail.
        auto nl1 = text->find('\n');
        auto nl2 = nl1 == std::string::npos ? nl1 : text->find('\n', nl1 + 1);
        if (nl2 != std::string::npos && text->compare(0, nl1, key) == 0) {
            std::string detail = text->substr(nl2 + 1);
            while (!detail.empty() && detail.back() == '\n') detail.pop_back();
            return {text->compare(nl1 + 1, nl2 - nl1 - 1, "ok") == 0, detail};
        }
    }
    Availability a = probe(binary);
    try {
        fs::make_dirs(global.root, 0711);
        fs::write_file_atomic(cache, fmt::format("{}\n{}\n{}\n", key, a.usable ? "ok" : "no", a.detail), 0600);
    } catch (const Error& e) {
        log::debug("criu check cache: {}", e.what());
    }
    return a;
}

void require_usable(const GlobalOptions& global) {
    // runc 1.1 only warns ("untested with rootless containers") and lets criu fail; criu
    // 3.17 runs without root only with --unprivileged and CAP_CHECKPOINT_RESTORE, which
    // berth does not set up.
    if (global.rootless) throw Error("checkpoint/restore needs root: berth does not run criu unprivileged");
    Availability a = availability(global);
    if (!a.usable) throw Error(a.detail);
}

Opts common_opts(const CriuCommonOptions& o, const oci::Config& config, bool restore) {
    Opts r;
    r.log_level = 4;
    // runc's default, soft, for both; restore rebases the dumped cgroup paths with cg_root.
    const std::string& mode = o.manage_cgroups_mode;
    r.manage_cgroups_mode = mode == "full"     ? CgroupMode::full
                          : mode == "strict" ? CgroupMode::strict
                          : mode == "ignore" ? CgroupMode::ignore
                                             : CgroupMode::soft;
    r.tcp_established = o.tcp_established;
    r.ext_unix_sk = o.ext_unix_sk;
    r.shell_job = o.shell_job;
    r.file_locks = o.file_locks;
    r.auto_dedup = o.auto_dedup;
    r.lazy_pages = o.lazy_pages;
    // A terminal's pty master is outside the container (with the console socket's
    // receiver): on dump CRIU then accepts the unpaired slave (and /dev/console bound from
    // it); on restore it makes a new pair and sends the master (orphan-pts-master). runc
    // sets it on both.
    r.orphan_pts_master = true;
    if (!o.status_fd.empty()) {
        auto fd = text::to_integer(o.status_fd);
        if (!fd || *fd < 0 || *fd > INT_MAX) throw_error("--status-fd \"{}\": want a file descriptor number", o.status_fd);
        r.status_fd = static_cast<int>(*fd);
    }
    // On dump --empty-ns only keeps the network namespace from being made external
    // (checkpoint.cpp); restore makes it empty. The CLI accepts only "network".
    if (restore && !o.empty_ns.empty()) r.empty_ns = CLONE_NEWNET;
    // runc: the annotation names CRIU's configuration file (empty: none), else
    // /etc/criu/runc.conf when it exists; berth's default is its own name's.
    auto note = config.annotations.find("org.criu.config");
    if (note != config.annotations.end()) r.config_file = note->second;
    else if (fs::exists(kDefaultConfigFile)) r.config_file = kDefaultConfigFile;
    return r;
}

namespace {
std::string absolute(const std::string& path) {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd)) throw_errno("getcwd");
    return fs::clean_path(path, cwd);
}
}  // namespace

std::string image_dir(const CriuCommonOptions& o) {
    return absolute(o.image_path.empty() ? "checkpoint" : o.image_path);
}

std::string work_dir(const CriuCommonOptions& o) {
    return o.work_path.empty() ? image_dir(o) : absolute(o.work_path);
}

UniqueFd open_dir(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_errno("open \"{}\"", path);
    return fd;
}

}  // namespace berth::runtime::criu

#include "child/launch_plan.hpp"

namespace berth::runtime::criu {

std::vector<ExternalMount> external_mounts(const child::LaunchPlan& plan, pid_t init_pid) {
    std::vector<ExternalMount> out;
    for (const auto& op : plan.mounts) {
        std::string dest = "/" + op.target;
        if (op.kind == sys::MountKind::bind) out.push_back({dest, op.source});
        for (const auto& h : op.cgroups)
            if (!h.symlink && !h.bind_source.empty()) out.push_back({dest + "/" + h.name, h.bind_source});
    }
    for (const auto& p : plan.masked_paths) {
        if (init_pid > 0) {
            struct stat st{};
            if (::stat(fmt::format("/proc/{}/root{}", init_pid, p).c_str(), &st) < 0 || S_ISDIR(st.st_mode)) continue;
        }
        out.push_back({p, "/dev/null"});
    }
    return out;
}

}  // namespace berth::runtime::criu
