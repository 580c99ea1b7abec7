// Helpers shared by the seccomp unit tests: profile builders and running code in a
// forked child under a loaded filter.
#pragma once

#include "sys/seccomp.hpp"

#include <linux/seccomp.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace berth::test {

oci::SeccompSyscall rule(std::vector<std::string> names, std::string action,
                         std::optional<std::uint32_t> errno_ret = std::nullopt,
                         std::vector<oci::SeccompArg> args = {});
oci::SeccompArg arg(std::uint32_t index, std::string op, std::uint64_t value, std::uint64_t value_two = 0);
oci::Seccomp profile(std::string default_action, std::vector<oci::SeccompSyscall> syscalls = {});

// Exit status of a child whose apply_seccomp() failed.
inline constexpr int kApplyFailed = 250;

// In a forked child: default dispositions for every signal.
void reset_signals_in_child();

// Forks; the child sets no_new_privs, loads `plan`, runs `body` and _exits with its
// result (kApplyFailed if the load failed). Returns the raw wait status.
int run_filtered(const sys::SeccompPlan& plan, const std::function<int()>& body);

// errno of a raw syscall result: 0 when it succeeded.
int errno_of(long rc);

// True if the program has a `ret #k` instruction with exactly this k.
bool returns_value(const sys::SeccompPlan& plan, std::uint32_t k);
// True if the program compares the accumulator with k (jeq #k).
bool compares_with(const sys::SeccompPlan& plan, std::uint32_t k);

// A profile the size of podman's: every native syscall allowed by name but a few that
// fail with EPERM, personality and clone allowed only for some arguments (as podman's
// are), under an ERRNO(ENOSYS) default, for x86_64, x86 and x32.
oci::Seccomp podman_like_profile();

// Runs a classic BPF seccomp program on `data` in user space, as the kernel would, and
// returns its SECCOMP_RET_* value. Throws std::runtime_error on an instruction it does
// not know or a jump out of the program.
std::uint32_t run_bpf(const std::vector<sock_filter>& program, const seccomp_data& data);

// A temporary directory removed with its contents at scope exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace berth::test
