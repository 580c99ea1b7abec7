#include "seccomp_test_util.hpp"

#include <linux/filter.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace berth::test {

oci::SeccompSyscall rule(std::vector<std::string> names, std::string action, std::optional<std::uint32_t> errno_ret,
                         std::vector<oci::SeccompArg> args) {
    oci::SeccompSyscall out;
    out.names = std::move(names);
    out.action = std::move(action);
    out.errno_ret = errno_ret;
    out.args = std::move(args);
    return out;
}

oci::SeccompArg arg(std::uint32_t index, std::string op, std::uint64_t value, std::uint64_t value_two) {
    oci::SeccompArg out;
    out.index = index;
    out.op = std::move(op);
    out.value = value;
    out.value_two = value_two;
    return out;
}

oci::Seccomp profile(std::string default_action, std::vector<oci::SeccompSyscall> syscalls) {
    oci::Seccomp out;
    out.default_action = std::move(default_action);
    out.syscalls = std::move(syscalls);
    return out;
}

void reset_signals_in_child() {
    // Boost.Test's handlers would report a crash in a forked child as a failure of the
    // parent's test and then carry on running the test tree in the child.
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
}

int run_filtered(const sys::SeccompPlan& plan, const std::function<int()>& body) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        reset_signals_in_child();
        alarm(20);  // a wrong filter must fail the test, not hang it
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(kApplyFailed);
        if (sys::apply_seccomp(plan) < 0) _exit(kApplyFailed);
        _exit(body());
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    return status;
}

int errno_of(long rc) { return rc < 0 ? errno : 0; }

bool returns_value(const sys::SeccompPlan& plan, std::uint32_t k) {
    for (const sock_filter& insn : plan.program) {
        if (insn.code == (BPF_RET | BPF_K) && insn.k == k) return true;
    }
    return false;
}

bool compares_with(const sys::SeccompPlan& plan, std::uint32_t k) {
    for (const sock_filter& insn : plan.program) {
        if (insn.code == (BPF_JMP | BPF_JEQ | BPF_K) && insn.k == k) return true;
    }
    return false;
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "berth-seccomp-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace berth::test
