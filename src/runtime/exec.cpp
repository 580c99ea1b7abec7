// exec: a new process in a running container.
//
// Design (the simplest one that keeps the process berth's own child, for its exit
// status): berth opens the init's /proc/<pid>/ns/* files, joins the container's pid
// namespace for its children only (pid_for_children) around one clone3, into the
// container's cgroup2 directory; after `go` the child joins the v1 hierarchies itself
// (cgroup::Placement; add_process before `go` where that cannot be used), then the other
// namespaces (user first, mount last), runs the init's own steps (child/process.hpp) and
// execs. No second fork is needed: the
// clone already happened inside the pid namespace.
#include "child/exec.hpp"
#include "child/protocol.hpp"
#include "oci/parse.hpp"
#include "runtime/child_sync.hpp"
#include "runtime/clone_child.hpp"
#include "runtime/container.hpp"
#include "runtime/create.hpp"
#include "runtime/home_env.hpp"
#include "runtime/foreground.hpp"
#include "runtime/launch.hpp"
#include "runtime/lsm.hpp"
#include "sys/id_mapping.hpp"
#include "sys/namespaces.hpp"
#include "sys/process_attrs.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

namespace berth::runtime {

namespace {

void set_env(std::vector<std::string>& env, const std::string& entry) {
    auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) throw_error("-e \"{}\": expected KEY=VALUE", entry);
    std::string key = entry.substr(0, eq + 1);
    auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(key, 0) == 0; });
    if (it != env.end()) *it = entry;
    else env.push_back(entry);
}

// The process as runc builds it: --process as given, or the container's process with
// the inline args and the flags applied over it.
oci::Process exec_process(const ExecOptions& o, const oci::Config& config) {
    if (!o.process_file.empty()) {
        oci::Process p = oci::parse_process(fs::read_file(o.process_file), o.process_file);
        // runc gives every exec'd process the container's oomScoreAdj, even over the process
        // file's own; the runtime-spec makes oomScoreAdj a field of the process it describes,
        // so a process file that sets it wins here.
        if (!p.oom_score_adj && config.process) p.oom_score_adj = config.process->oom_score_adj;
        return p;
    }
    if (!config.process) throw_error("the container's config has no process");
    oci::Process p = *config.process;
    p.args = o.args;
    p.terminal = o.tty;
    p.console_size.reset();
    for (const auto& e : o.env) set_env(p.env, e);
    if (!o.cwd.empty()) p.cwd = o.cwd;
    if (o.user) {
        auto colon = o.user->find(':');
        p.user.uid = static_cast<std::uint32_t>(std::stoul(o.user->substr(0, colon)));
        if (colon != std::string::npos) p.user.gid = static_cast<std::uint32_t>(std::stoul(o.user->substr(colon + 1)));
    }
    for (auto gid : o.additional_gids) p.user.additional_gids.push_back(gid);
    if (!o.caps.empty()) {
        // runc adds them to every set but the inheritable one (CVE-2022-29162).
        if (!p.capabilities) p.capabilities.emplace();
        for (auto* set : {&p.capabilities->bounding, &p.capabilities->effective, &p.capabilities->permitted,
                          &p.capabilities->ambient})
            set->insert(set->end(), o.caps.begin(), o.caps.end());
    }
    if (o.no_new_privs) p.no_new_privileges = true;
    if (!o.apparmor.empty()) p.apparmor_profile = o.apparmor;
    if (!o.process_label.empty()) p.selinux_label = o.process_label;
    if (p.cwd.empty()) p.cwd.push_back('/');  // not = "/": g++ 12 -Wrestrict false positive
    if (p.cwd[0] != '/') throw_error("cwd \"{}\": must be an absolute path", p.cwd);
    return p;
}

bool same_file(const std::string& a, const std::string& b) {
    struct stat sa{}, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

// The init's namespaces that differ from berth's, opened before any is joined.
struct Namespaces {
    std::vector<UniqueFd> fds;  // owners of plan.ns[*].fd
    UniqueFd pid;               // the pid namespace, joined by the parent around clone
    UniqueFd user;              // set when a helper joins it (clone_in_user_namespace)
    UniqueFd root;              // owner of plan.root_fd
};

// A caller that is not root cannot join a pid namespace its own user namespace does not
// own: a helper joins the container's user namespace first (rootless.hpp).
Namespaces open_namespaces(pid_t init, child::ExecPlan& plan, bool user_by_helper) {
    static const std::pair<const char*, int> kOrder[] = {
        {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS},
        {"net", CLONE_NEWNET},   {"time", CLONE_NEWTIME},     {"mnt", CLONE_NEWNS}};
    Namespaces out;
    for (auto [name, type] : kOrder) {
        std::string path = fmt::format("/proc/{}/ns/{}", init, name);
        // setns into the namespace berth is already in fails for a user namespace.
        if (same_file(path, fmt::format("/proc/self/ns/{}", name))) {
            // A container without a mount namespace of its own: its root is a chroot.
            if (type == CLONE_NEWNS) {
                std::string root = fmt::format("/proc/{}/root", init);
                out.root.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
                if (!out.root) throw_errno("open \"{}\"", root);
                plan.root_fd = out.root.get();
            }
            continue;
        }
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            if (errno == ENOENT) continue;  // a kernel without this namespace type
            throw_errno("open \"{}\"", path);
        }
        if (type == CLONE_NEWUSER && user_by_helper) {
            out.user = std::move(fd);
            continue;
        }
        plan.ns[plan.ns_count++] = {fd.get(), type};
        out.fds.push_back(std::move(fd));
    }
    std::string pid_path = fmt::format("/proc/{}/ns/pid", init);
    if (!same_file(pid_path, "/proc/self/ns/pid_for_children")) {
        out.pid.reset(::open(pid_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!out.pid) throw_errno("open \"{}\"", pid_path);
    }
    return out;
}

CreatedContainer clone_exec(const child::ExecPlan& plan, int userns, int pidns, int child_sync, int parent_sync,
                            int cgroup_fd) {
    if (userns >= 0) {
        long pid = clone_in_user_namespace(userns, pidns, cgroup_fd, parent_sync,
                                           [&] { child::exec_child(plan, child_sync); });
        if (pid < 0) throw_errno("clone in the container's user namespace");
        UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
        if (!pidfd) {
            int err = errno;
            ::kill(static_cast<pid_t>(pid), SIGKILL);
            while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
            }
            throw Error("pidfd_open of the exec child", err);
        }
        return {static_cast<pid_t>(pid), std::move(pidfd)};
    }
    UniqueFd own_pidns;
    if (pidns >= 0) {
        // setns(pid) moves only future children: join around the clone, then return.
        own_pidns.reset(::open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC));
        if (!own_pidns || ::setns(pidns, CLONE_NEWPID) < 0) throw_errno("join the container's pid namespace");
    }
    int pidfd = -1;
    long pid = clone_child(0, &pidfd, cgroup_fd, parent_sync, [&] { child::exec_child(plan, child_sync); });
    int err = errno;
    if (own_pidns && ::setns(own_pidns.get(), CLONE_NEWPID) < 0) err = errno;
    if (pid < 0) throw Error("clone", err);
    return {static_cast<pid_t>(pid), UniqueFd(pidfd)};
}

// Sends `go` and waits for end of file (execve) or the child's error record; hands the
// seccomp listener to the agent on the way when the filter has one.
void drive_child(int sync, const CreatedContainer& c, const ListenerTarget& listener,
                 log::Timeline& timeline) {
    child::Message go{};
    go.type = child::MsgType::go;
    go.value = c.pid;
    if (::send(sync, &go, sizeof go, MSG_NOSIGNAL) != sizeof go) throw_errno("sync with the exec child");
    for (;;) {
        child::Message m{};
        ssize_t n = ::recv(sync, &m, sizeof m, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read from the exec child");
        if (n == 0) return;
        if (n != sizeof m) throw_error("exec child: unexpected message");
        switch (m.type) {
            case child::MsgType::step:
                m.stage[sizeof m.stage - 1] = '\0';
                timeline.step("child: {} done", m.stage);
                break;
            case child::MsgType::seccomp_listener:
                hand_off_listener(sync, c.pidfd.get(), static_cast<int>(m.value), listener);
                break;
            case child::MsgType::seccomp_loaded: break;  // a late copy of a listener berth took: recv dropped it
            case child::MsgType::error: throw_child_error(m);
            default: throw_error("exec child: unexpected message");
        }
    }
}

void reap(const CreatedContainer& c) {
    ::syscall(SYS_pidfd_send_signal, c.pidfd.get(), SIGKILL, nullptr, 0);
    while (::waitpid(c.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// True when the process of `pidfd` has exited (a zombie included).
bool exited(int pidfd) {
    pollfd p{pidfd, POLLIN, 0};
    int n;
    while ((n = ::poll(&p, 1, 0)) < 0 && errno == EINTR) {
    }
    return n != 0;
}

class SignalMask {
public:
    explicit SignalMask(const sigset_t* block) : active_(block != nullptr) {
        if (active_) ::sigprocmask(SIG_BLOCK, block, &old_);
    }
    ~SignalMask() {
        if (active_) ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    SignalMask(const SignalMask&) = delete;
    SignalMask& operator=(const SignalMask&) = delete;

private:
    bool active_;
    sigset_t old_{};
};

int exec_in(const GlobalOptions& global, const ExecOptions& o) {
    log::Timeline timeline("exec", o.id);
    StateStore store(global.root);
    ContainerRecord record = store.require(o.id);
    // Opened before the status is derived: once derive_status has found this pid with the
    // saved start time, the pidfd is the init's, and a poll of it later tells whether the
    // init exited since (/proc/<pid>/stat costs ~20 us a read here; it was read 3 times).
    UniqueFd init_pidfd(record.pid > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)) : -1);
    oci::Status status = derive_status(store, record);
    if (status == oci::Status::paused && !o.ignore_paused)
        throw_error("container is paused: resume it or use --ignore-paused");
    // A created container too, as runc allows: its init waits on exec.fifo with every
    // namespace made, and `start` later runs it as usual.
    if (status != oci::Status::running && status != oci::Status::paused && status != oci::Status::created)
        throw_error("container is {}", oci::to_string(status));
    std::optional<cgroup::SubCgroup> sub;
    if (!o.cgroup.empty()) sub = cgroup::parse_sub_cgroup(o.cgroup);
    auto config = saved_config(store, o.id);
    if (!config) throw_error("the container's config.json is missing");
    if (!init_pidfd) throw_error("container is stopped");

    child::ExecPlan plan;
    oci::Process process = exec_process(o, *config);
    check_lsm_labels(process);
    // What the container's user namespace says, whoever made it (berth, or rootless Podman).
    bool deny_setgroups = sys::setgroups_denied(record.pid);
    plan.launch.process = sys::build_process_plan(process, deny_setgroups);
    plan.launch.process.preserve_fds = o.preserve_fds;
    // The running container's own root: its /etc/passwd as the container sees it.
    add_default_home(plan.launch.process.env.strings, passwd_in_root(fmt::format("/proc/{}/root", record.pid)),
                     process.user.uid);
    plan.launch.process.env.seal();
    plan.launch.bind_console = false;
    // runc's setns init applies linux.memoryPolicy to exec'd processes too.
    if (config->linux_ && config->linux_->memory_policy)
        plan.launch.mempolicy = sys::build_mempolicy_plan(*config->linux_->memory_policy);
    plan.launch.new_keyring = !record.no_new_keyring;
    plan.launch.keyring_name = session_keyring_prefix(o.id);
    plan.init_pid = record.pid;
    plan.launch.report_steps = log::debug_enabled();
    if (config->linux_ && config->linux_->seccomp)
        plan.launch.seccomp = sys::build_seccomp_plan(*config->linux_->seccomp, global.root + "/" + kSeccompCacheDir);
    Namespaces ns = open_namespaces(record.pid, plan, ::geteuid() != 0);
    // The fds were opened through the pid: it must still be the same init.
    if (exited(init_pidfd.get())) throw_error("container is stopped");
    timeline.step("plan built, namespaces of init {} opened", record.pid);

    UniqueFd console, console_parent;
    if (plan.launch.process.terminal) {
        if (!o.console_socket.empty()) console = connect_console(o.console_socket);
        else if (o.detach) throw_error("--tty with --detach needs --console-socket");
        else {
            int pair[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
            console_parent.reset(pair[0]);
            console.reset(pair[1]);
        }
        plan.launch.console_socket_fd = console.get();
    }
    auto cg = container_cgroup(record);
    if (sub && !cg) throw_error("--cgroup \"{}\": the container has no cgroup", o.cgroup);
    // As the init (cgroup::Placement): cloned into the cgroup2 directory, the child joins
    // each v1 hierarchy itself after `go`, so no exec waits an RCU grace period in a
    // cgroup.procs write. --cgroup, and a child the user-namespace helper clones
    // (rootless), are moved by add_process before `go`: the child runs nothing of the
    // container until then.
    cgroup::Placement placement;
    if (cg && !sub && !ns.user) placement = cg->placement();
    for (const auto& fd : placement.self_join) plan.launch.cgroup_join_fds.push_back(fd.get());
    plan.launch.cgroup_join_paths = placement.self_join_paths;
    const int cgroup_fd = placement.clone_into;
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) throw_errno("socketpair");
    UniqueFd sync(pair[0]), child_sync(pair[1]);

    sigset_t forwarded = forwarded_signals();
    SignalMask mask(o.detach ? nullptr : &forwarded);
    CreatedContainer c = clone_exec(plan, ns.user.get(), ns.pid.get(), child_sync.get(), sync.get(), cgroup_fd);
    child_sync.reset();
    console.reset();
    placement.self_join.clear();
    timeline.step("child cloned, pid {}", c.pid);
    try {
        if (sub) cg->add_process(c.pid, *sub);
        else if (cg && !placement.complete) cg->add_process(c.pid);
        // Before `go`: the child runs nothing of the container until then.
        if (plan.launch.process.oom_score_adj) sys::write_oom_score_adj(c.pid, *plan.launch.process.oom_score_adj);
        ListenerTarget listener;
        if (config->linux_ && config->linux_->seccomp) {
            // runtime-spec config-linux.md#seccomp: the process state names the filtered
            // process (here the exec'd one) and carries the container's state.
            listener = {&*config->linux_->seccomp, c.pid, oci::to_json(oci_state(record, status))};
        }
        timeline.step("child in the cgroup");
        drive_child(sync.get(), c, listener, timeline);
        timeline.step("process executed");
    } catch (const Error&) {
        reap(c);
        throw;
    }
    if (!o.pid_file.empty()) fs::write_file_atomic(o.pid_file, std::to_string(c.pid));
    if (o.detach) return 0;
    UniqueFd master;
    if (console_parent) master = receive_fd(console_parent.get());
    UniqueFd sigfd(::signalfd(-1, &forwarded, SFD_CLOEXEC));
    if (!sigfd) throw_errno("signalfd");
    RawTerminal raw(master ? STDIN_FILENO : -1);
    copy_winsize(master.get());
    int status_code = wait_foreground(c, sigfd.get(), master.get());
    timeline.step("process exited with status {}", status_code);
    return status_code;
}

}  // namespace

int exec(const GlobalOptions& global, const ExecOptions& options) {
    try {
        return exec_in(global, options);
    } catch (const Error& e) {
        throw e.with_context(fmt::format("exec \"{}\"", options.id));
    }
}

}  // namespace berth::runtime
