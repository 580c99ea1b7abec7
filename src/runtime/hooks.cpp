#include "runtime/hooks.hpp"

#include "util/error.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace berth::runtime {

namespace {

struct NsKind {
    const char* name;
    int flag;
};

// The user namespace first: joining it grants the capabilities the other joins need.
constexpr NsKind kNamespaces[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"uts", CLONE_NEWUTS},
                                  {"ipc", CLONE_NEWIPC},   {"net", CLONE_NEWNET}, {"cgroup", CLONE_NEWCGROUP},
                                  {"pid", CLONE_NEWPID}};

// In the forked hook process (berth is single-threaded, so fork is safe to allocate
// in). Returns false on failure; errno says why.
bool enter_namespaces(pid_t pid) {
    // Every namespace opened before the first setns: once in the container's user namespace
    // this process no longer may open the non-dumpable init's /proc/<pid>/ns files (EACCES).
    struct Join {
        int fd;
        int flag;
    };
    std::vector<Join> joins;
    bool new_pid = false, ok = true;
    for (const auto& ns : kNamespaces) {
        std::string theirs = fmt::format("/proc/{}/ns/{}", pid, ns.name);
        std::string ours = fmt::format("/proc/self/ns/{}", ns.name);
        struct stat a{}, b{};
        if (::stat(theirs.c_str(), &a) < 0 || ::stat(ours.c_str(), &b) < 0) return false;
        if (a.st_ino == b.st_ino && a.st_dev == b.st_dev) continue;
        int fd = ::open(theirs.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        joins.push_back({fd, ns.flag});
        if (ns.flag == CLONE_NEWPID) new_pid = true;
    }
    for (const auto& j : joins) ok = ok && ::setns(j.fd, j.flag) == 0;
    for (const auto& j : joins) ::close(j.fd);
    if (!ok) return false;
    if (!new_pid) return true;
    // setns(pid) applies to children only: the hook runs in a grandchild.
    pid_t child = ::fork();
    if (child < 0) return false;
    if (child == 0) return true;
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

[[noreturn]] void exec_hook(const oci::Hook& hook, int stdin_fd, int write_fd, const HookStage& stage) {
    // A process in between (pid namespace join) never execs: close our copy of the
    // write end, or the hook never sees end of file on stdin.
    ::close(write_fd);
    if (stage.container_pid > 0 && !enter_namespaces(stage.container_pid)) ::_exit(125);
    // After the joins: setns(mnt) moved the cwd to the namespace's root, which before
    // pivot_root is the host's "/"; a hook writing a relative path must not land there.
    if (!stage.cwd.empty() && ::chdir(stage.cwd.c_str()) < 0) ::_exit(125);
    ::dup2(stdin_fd, 0);
    std::vector<char*> argv, envp;
    std::vector<std::string> args = hook.args.empty() ? std::vector<std::string>{hook.path} : hook.args;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = hook.env;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char** hook_env = hook.has_env() ? envp.data() : environ;
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(hook.path.c_str(), argv.data(), hook_env);
    ::_exit(127);
}

void run_one(const oci::Hook& hook, const HookStage& stage, const std::string& state_json) {
    auto where = [&] { return fmt::format("{} hook \"{}\"", stage.name, hook.path); };
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) throw_errno("{}: pipe", where());
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = ::fork();
    if (pid < 0) throw_errno("{}: fork", where());
    if (pid == 0) exec_hook(hook, read_end.get(), write_end.get(), stage);
    read_end.reset();
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    // A hook that never reads stdin is fine: ignore EPIPE (SIGPIPE is blocked or
    // ignored by the caller's setup; MSG_NOSIGNAL has no pipe equivalent).
    struct sigaction ign{}, old{};
    ign.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ign, &old);
    const char* p = state_json.data();
    size_t left = state_json.size();
    while (left > 0) {
        ssize_t n = ::write(write_end.get(), p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        p += n;
        left -= static_cast<size_t>(n);
    }
    ::sigaction(SIGPIPE, &old, nullptr);
    write_end.reset();
    if (hook.timeout && pidfd) {
        pollfd pfd{pidfd.get(), POLLIN, 0};
        int rc;
        do rc = ::poll(&pfd, 1, *hook.timeout * 1000);
        while (rc < 0 && errno == EINTR);
        if (rc == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            throw_error("{}: timed out after {}s", where(), *hook.timeout);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("{}: wait", where());
    }
    if (WIFSIGNALED(status)) throw_error("{}: killed by signal {}", where(), WTERMSIG(status));
    int code = WEXITSTATUS(status);
    if (code == 127) throw_error("{}: cannot execute (exit status 127)", where());
    if (code != 0) throw_error("{}: exited with status {}", where(), code);
}

}  // namespace

void run_hooks(const std::vector<oci::Hook>& hooks, const HookStage& stage, const std::string& state_json) {
    for (const auto& hook : hooks) {
        try {
            run_one(hook, stage, state_json);
        } catch (const Error& e) {
            if (!stage.keep_going) throw;
            log::warn("{}", e.what());
        }
    }
}

}  // namespace berth::runtime
