// Filters compiled by build_seccomp_plan() and loaded in a forked child: each test checks
// what the kernel really does to a syscall.
#include "seccomp_test_util.hpp"

#include "sys/seccomp.hpp"
#include "oci/parse.hpp"
#include "sys/seccomp_compile.hpp"
#include "sys/seccomp_ranges.hpp"

#include <boost/test/unit_test.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using berth::sys::build_seccomp_plan;
using berth::sys::SeccompPlan;
using namespace berth::test;
namespace oci = berth::oci;

namespace {

constexpr std::uint32_t kEnospc = ENOSPC;
constexpr int kSiSysSeccomp = 1;  // SYS_SECCOMP: si_code of a SIGSYS raised by seccomp

int getppid_errno() { return errno_of(syscall(SYS_getppid)); }

bool exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
bool killed_by(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }

// Proves the signal came from a seccomp TRAP of getppid.
void on_sigsys(int, siginfo_t* info, void*) {
    _exit(info->si_code == kSiSysSeccomp && info->si_syscall == SYS_getppid ? 42 : 43);
}

void install_sigsys_handler() {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, nullptr);
}

// getpriority(which, 0) under a filter that fails it with ENOSPC when `cmp` matches its
// first argument; returns which of `probes` matched, as a bit mask.
int matching_probes(const oci::SeccompArg& cmp, const std::vector<std::uint64_t>& probes) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ERRNO", kEnospc, {cmp})}), "");
    int status = run_filtered(plan, [&] {
        int mask = 0;
        for (std::size_t i = 0; i < probes.size(); ++i) {
            if (errno_of(syscall(SYS_getpriority, probes[i], 0)) == ENOSPC) mask |= 1 << i;
        }
        return mask;
    });
    BOOST_REQUIRE(WIFEXITED(status));
    return WEXITSTATUS(status);
}

void* call_getppid(void*) {
    syscall(SYS_getppid);
    return nullptr;
}

// Exits 7 if the main thread survives a thread killed in getppid.
int main_thread_survives() {
    pthread_t thread;
    if (pthread_create(&thread, nullptr, call_getppid, nullptr) != 0) return 1;
    pthread_join(thread, nullptr);
    return 7;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_filter)

BOOST_AUTO_TEST_CASE(errno_rule_returns_errno_ret) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_ERRNO", kEnospc)}), "");
    // Without the filter this mkdir fails with ENOENT.
    int status = run_filtered(plan, [] { return mkdir("/nonexistent-berth-dir/x", 0700) < 0 ? errno : 0; });
    BOOST_TEST(exited_with(status, ENOSPC));
}

BOOST_AUTO_TEST_CASE(errno_rule_defaults_to_eperm) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO")}), "");
    BOOST_TEST(exited_with(run_filtered(plan, getppid_errno), EPERM));
}

BOOST_AUTO_TEST_CASE(default_errno_ret_applies_to_default_action) {
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")});
    seccomp.default_errno_ret = ENOSPC;
    BOOST_TEST(exited_with(run_filtered(build_seccomp_plan(seccomp, ""), getppid_errno), ENOSPC));
}

BOOST_AUTO_TEST_CASE(default_errno_action_defaults_to_eperm) {
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")});
    BOOST_TEST(exited_with(run_filtered(build_seccomp_plan(seccomp, ""), getppid_errno), EPERM));
}

BOOST_AUTO_TEST_CASE(allow_rule_overrides_errno_default) {
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group", "getppid"}, "SCMP_ACT_ALLOW")});
    BOOST_TEST(exited_with(run_filtered(build_seccomp_plan(seccomp, ""), getppid_errno), 0));
}

BOOST_AUTO_TEST_CASE(each_operator_compares_the_argument) {
    // probes: 9, 10, 11 around the value 10; bit i set = probe i matched
    const std::vector<std::uint64_t> probes = {9, 10, 11};
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_NE", 10), probes) == 0b101);
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_LT", 10), probes) == 0b001);
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_LE", 10), probes) == 0b011);
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_EQ", 10), probes) == 0b010);
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_GE", 10), probes) == 0b110);
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_GT", 10), probes) == 0b100);
}

BOOST_AUTO_TEST_CASE(masked_eq_compares_masked_argument_with_value_two) {
    // (arg & 0xf0) == 0x20
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_MASKED_EQ", 0xf0, 0x20), {0x25, 0x2f, 0x35, 0x20}) == 0b1011);
}

BOOST_AUTO_TEST_CASE(comparison_uses_all_64_bits) {
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_EQ", 0x1'0000'000aULL), {0xa, 0x1'0000'000aULL}) == 0b10);
}

BOOST_AUTO_TEST_CASE(args_on_different_indices_must_all_match) {
    auto cmp = {arg(0, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_EQ", 7)};
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ERRNO", kEnospc, cmp)}), "");
    int status = run_filtered(plan, [] {
        int mask = 0;
        if (errno_of(syscall(SYS_getpriority, 1, 7)) == ENOSPC) mask |= 1;
        if (errno_of(syscall(SYS_getpriority, 1, 8)) == ENOSPC) mask |= 2;
        if (errno_of(syscall(SYS_getpriority, 2, 7)) == ENOSPC) mask |= 4;
        return mask;
    });
    BOOST_TEST(exited_with(status, 0b001));
}

BOOST_AUTO_TEST_CASE(args_repeating_an_index_match_any_as_runc_does) {
    auto cmp = {arg(0, "SCMP_CMP_EQ", 1), arg(0, "SCMP_CMP_EQ", 2)};
    BOOST_TEST(matching_probes(arg(0, "SCMP_CMP_EQ", 1), {1, 2}) == 0b01);  // baseline: one arg
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ERRNO", kEnospc, cmp)}), "");
    int status = run_filtered(plan, [] {
        int mask = 0;
        for (int which = 1; which <= 3; ++which) {
            if (errno_of(syscall(SYS_getpriority, which, 0)) == ENOSPC) mask |= 1 << (which - 1);
        }
        return mask;
    });
    BOOST_TEST(exited_with(status, 0b011));
}

BOOST_AUTO_TEST_CASE(kill_process_kills_with_sigsys) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_KILL_PROCESS")}), "");
    // The handler would catch a TRAP; KILL_PROCESS cannot be caught, and other threads die too.
    BOOST_TEST(killed_by(run_filtered(plan, [] { install_sigsys_handler(); return getppid_errno(); }), SIGSYS));
    BOOST_TEST(killed_by(run_filtered(plan, main_thread_survives), SIGSYS));
}

BOOST_AUTO_TEST_CASE(kill_thread_kills_only_the_calling_thread) {
    for (const char* action : {"SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL"}) {
        BOOST_TEST_CONTEXT(action) {
            auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, action)}), "");
            BOOST_TEST(exited_with(run_filtered(plan, main_thread_survives), 7));
            BOOST_TEST(killed_by(run_filtered(plan, getppid_errno), SIGSYS));
        }
    }
}

BOOST_AUTO_TEST_CASE(trap_raises_catchable_sigsys) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_TRAP")}), "");
    BOOST_TEST(exited_with(run_filtered(plan, [] { install_sigsys_handler(); return getppid_errno(); }), 42));
    BOOST_TEST(killed_by(run_filtered(plan, getppid_errno), SIGSYS));
}

BOOST_AUTO_TEST_CASE(log_action_allows_the_call) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW"),
                                                              rule({"getppid"}, "SCMP_ACT_LOG")}), "");
    BOOST_TEST(returns_value(plan, SECCOMP_RET_LOG));
    BOOST_TEST(exited_with(run_filtered(plan, getppid_errno), 0));
}

BOOST_AUTO_TEST_CASE(trace_carries_errno_ret_and_fails_without_tracer) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_TRACE", 5u)}), "");
    BOOST_TEST(returns_value(plan, SECCOMP_RET_TRACE | 5u));
    // seccomp(2): with no tracer attached, a TRACE'd syscall fails with ENOSYS.
    BOOST_TEST(exited_with(run_filtered(plan, getppid_errno), ENOSYS));
}

BOOST_AUTO_TEST_CASE(unknown_syscall_name_is_skipped) {
    auto plan = build_seccomp_plan(
        profile("SCMP_ACT_ALLOW", {rule({"berth_no_such_syscall", "getppid"}, "SCMP_ACT_ERRNO", kEnospc)}), "");
    BOOST_TEST(exited_with(run_filtered(plan, getppid_errno), ENOSPC));
    BOOST_CHECK_NO_THROW(build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"berth_no_such_syscall"}, "SCMP_ACT_KILL")}), ""));
}

BOOST_AUTO_TEST_CASE(rule_repeating_the_default_action_is_skipped) {
    // libseccomp alone refuses this rule with EACCES.
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW"),
                                              rule({"getppid"}, "SCMP_ACT_ERRNO", EPERM)});
    auto plan = build_seccomp_plan(seccomp, "");
    BOOST_TEST(exited_with(run_filtered(plan, getppid_errno), EPERM));
    // A different errno is a different action and is kept.
    seccomp.syscalls[1].errno_ret = ENOSPC;
    BOOST_TEST(exited_with(run_filtered(build_seccomp_plan(seccomp, ""), getppid_errno), ENOSPC));
}

BOOST_AUTO_TEST_CASE(syscall_names_share_one_rule) {
    auto plan = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getpid", "getppid"}, "SCMP_ACT_ERRNO", kEnospc)}), "");
    int status = run_filtered(plan, [] { return errno_of(syscall(SYS_getpid)) == ENOSPC && getppid_errno() == ENOSPC ? 0 : 1; });
    BOOST_TEST(exited_with(status, 0));
}

// runc's ENOSYS stub (sys/seccomp_enosys.hpp): above the highest syscall the profile
// names, a denying default becomes ENOSYS; below it, the default stays.
BOOST_AUTO_TEST_CASE(syscalls_newer_than_the_profile_get_enosys) {
    // exit_group (231 on x86_64) is the highest name.
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group", "getppid"}, "SCMP_ACT_ALLOW")});
    auto plan = build_seccomp_plan(seccomp, "");
    int status = run_filtered(plan, [] {
        if (errno_of(syscall(1000)) != ENOSYS) return 1;
        if (errno_of(syscall(SYS_fanotify_init, 0, 0)) != ENOSYS) return 2;  // 300: newer than the profile
        if (errno_of(syscall(SYS_getpid)) != EPERM) return 3;                 // 39: older, not named
        return errno_of(syscall(SYS_getppid));
    });
    BOOST_TEST(exited_with(status, 0), "status " << status);
}

BOOST_AUTO_TEST_CASE(kill_default_gets_the_stub_too) {
    auto seccomp = profile("SCMP_ACT_KILL_PROCESS", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")});
    int status = run_filtered(build_seccomp_plan(seccomp, ""), [] { return errno_of(syscall(1000)); });
    BOOST_TEST(exited_with(status, ENOSYS), "status " << status);
}

BOOST_AUTO_TEST_CASE(permissive_and_enosys_defaults_get_no_stub) {
    constexpr std::uint32_t kEnosysRet = SECCOMP_RET_ERRNO | ENOSYS;
    BOOST_TEST(!returns_value(build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO")}), ""), kEnosysRet));
    BOOST_TEST(!returns_value(build_seccomp_plan(profile("SCMP_ACT_LOG", {rule({"getppid"}, "SCMP_ACT_ERRNO")}), ""), kEnosysRet));
    auto enosys = profile("SCMP_ACT_ERRNO", {rule({"exit_group"}, "SCMP_ACT_ALLOW")});
    enosys.default_errno_ret = ENOSYS;
    auto eperm = enosys;
    eperm.default_errno_ret.reset();
    // The ENOSYS default compiles to the program libseccomp alone makes: no stub in front.
    BOOST_TEST(build_seccomp_plan(enosys, "").program.size() < build_seccomp_plan(eperm, "").program.size());
    BOOST_TEST(returns_value(build_seccomp_plan(eperm, ""), kEnosysRet));
}

// x32 calls reach the filter as x86_64 with bit 30 set; listed, x32 has its own horizon.
BOOST_AUTO_TEST_CASE(x32_calls_get_their_own_limit) {
    constexpr long kX32 = 0x40000000;
    auto seccomp = profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")});
    seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    int status = run_filtered(build_seccomp_plan(seccomp, ""), [] {
        if (errno_of(syscall(kX32 | 1000)) != ENOSYS) return 1;
        if (errno_of(syscall(kX32 | SYS_getpid)) != EPERM) return 2;
        return errno_of(syscall(1000)) == ENOSYS ? 0 : 3;
    });
    BOOST_TEST(exited_with(status, 0), "status " << status);
}

#if defined(__x86_64__)
namespace {

// The argument values worth trying for `seccomp`: each constant a comparison names, one
// either side of it, with the upper word changed, and the small numbers i386's socketcall
// rules compare with.
std::set<std::uint64_t> argument_values(const oci::Seccomp& seccomp) {
    std::set<std::uint64_t> out{0, ~0ULL, 0xffffffffULL, 0x100000000ULL};
    for (std::uint64_t v = 0; v <= 32; ++v) out.insert(v);
    for (const oci::SeccompSyscall& s : seccomp.syscalls) {
        for (const oci::SeccompArg& a : s.args) {
            for (std::uint64_t c : {a.value, a.value_two, a.value & a.value_two, a.value | a.value_two}) {
                for (std::uint64_t v : {c - 1, c, c + 1}) {
                    out.insert(v);
                    out.insert(v ^ (1ULL << 32));
                    out.insert(v & 0xffffffffULL);
                }
            }
        }
    }
    return out;
}

// Runs `got` and `want` on every syscall number 0..1099 with and without the x32 bit and
// the top bit, numbers near 2^31 and 2^32, on x86_64, i386, aarch64 and an architecture no
// filter names, with each argument value in all six arguments and in each compared one
// alone. Returns the number of inputs decided differently; counts the decisions seen.
int count_differences(const std::vector<sock_filter>& got, const std::vector<sock_filter>& want,
                      const oci::Seccomp& seccomp, std::map<std::uint32_t, int>& actions) {
    std::vector<std::uint32_t> numbers;
    for (std::uint32_t nr = 0; nr < 1100; ++nr) {
        for (std::uint32_t bits : {0u, 0x40000000u, 0x80000000u}) numbers.push_back(nr | bits);
    }
    for (std::uint32_t nr : {0x3fffffffu, 0x7fffffffu, 0xbfffffffu, 0xc0000000u, 0xfffffffeu, 0xffffffffu}) numbers.push_back(nr);
    std::set<std::uint32_t> indices;
    for (const oci::SeccompSyscall& s : seccomp.syscalls) {
        for (const oci::SeccompArg& a : s.args) indices.insert(a.index);
    }
    std::set<std::uint64_t> values = argument_values(seccomp);
    int differ = 0;
    auto compare = [&](const seccomp_data& data) {
        std::uint32_t expected = run_bpf(want, data);
        ++actions[expected];
        if (run_bpf(got, data) != expected && differ++ == 0) {
            BOOST_TEST_MESSAGE("first difference: arch " << data.arch << " nr " << data.nr << " args " << data.args[0]
                                                         << " " << data.args[1] << " " << data.args[2]);
        }
    };
    for (std::uint32_t arch : {std::uint32_t{AUDIT_ARCH_X86_64}, std::uint32_t{AUDIT_ARCH_I386},
                               std::uint32_t{AUDIT_ARCH_AARCH64}, std::uint32_t{0}}) {
        for (std::uint32_t nr : numbers) {
            seccomp_data data{};
            data.nr = static_cast<int>(nr);
            data.arch = arch;
            compare(data);
            for (std::uint64_t v : values) {
                for (auto& a : data.args) a = v;
                compare(data);
                for (std::uint32_t i : indices) {
                    data = seccomp_data{static_cast<int>(nr), arch, 0, {}};
                    data.args[i] = v;
                    compare(data);
                }
            }
        }
    }
    return differ;
}

// The profiles of this file and a podman-sized one, each compiled in the three shapes.
std::vector<std::pair<std::string, oci::Seccomp>> profiles_to_compare() {
    std::vector<std::pair<std::string, oci::Seccomp>> out{{"podman-like", podman_like_profile()}};
    auto with_archs = [](oci::Seccomp s) {
        s.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
        return s;
    };
    out.emplace_back("errno default, stub", profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group", "getppid"}, "SCMP_ACT_ALLOW")}));
    out.emplace_back("x32 stub", with_archs(profile("SCMP_ACT_ERRNO", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")})));
    out.emplace_back("kill default", profile("SCMP_ACT_KILL_PROCESS", {rule({"exit", "exit_group"}, "SCMP_ACT_ALLOW")}));
    out.emplace_back("allow default", profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", kEnospc),
                                                                 rule({"kill", "tkill"}, "SCMP_ACT_TRAP"),
                                                                 rule({"getpid"}, "SCMP_ACT_LOG"),
                                                                 rule({"gettid"}, "SCMP_ACT_TRACE", 3),
                                                                 rule({"ioctl"}, "SCMP_ACT_NOTIFY")}));
    std::vector<oci::SeccompSyscall> ops;
    for (const char* op : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"}) {
        ops.push_back(rule({"getpriority"}, "SCMP_ACT_ERRNO", kEnospc, {arg(0, op, 0x100000005ULL)}));
        ops.push_back(rule({"setpriority"}, "SCMP_ACT_ERRNO", kEnospc, {arg(1, op, 7), arg(2, op, 9)}));
    }
    ops.push_back(rule({"socket"}, "SCMP_ACT_ERRNO", EPERM, {arg(0, "SCMP_CMP_MASKED_EQ", 0xff00000000ULL, 0x1200000000ULL)}));
    ops.push_back(rule({"socket", "bind"}, "SCMP_ACT_ERRNO", {}, {arg(0, "SCMP_CMP_EQ", 40), arg(0, "SCMP_CMP_EQ", 16)}));
    out.emplace_back("each operator", with_archs(profile("SCMP_ACT_ALLOW", ops)));
    oci::Seccomp errno_default = with_archs(profile("SCMP_ACT_ERRNO", ops));
    errno_default.syscalls.push_back(rule({"read", "write", "exit_group", "socketcall", "connect"}, "SCMP_ACT_ALLOW"));
    out.emplace_back("each operator, errno default", errno_default);
    // podman's own profile, when containers-common is installed (CI installs it): every
    // rule, whatever its includes and excludes (a superset of what podman passes on), and
    // the architectures podman derives from its archMap on x86_64.
    std::ifstream in("/usr/share/containers/seccomp.json");
    if (in) {
        std::stringstream text;
        text << R"({"ociVersion": "1.0.2", "linux": {"seccomp": )" << in.rdbuf() << "}}";
        oci::Config config = berth::oci::parse_config(text.str(), "seccomp.json");
        oci::Seccomp podman = *config.linux_->seccomp;
        podman.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
        out.emplace_back("podman", podman);
    } else {
        BOOST_TEST_MESSAGE("no /usr/share/containers/seccomp.json: podman's own profile not compared");
    }
    return out;
}

}  // namespace

// libseccomp's binary tree and berth's ranges of it (sys/seccomp_compile.cpp,
// sys/seccomp_ranges.cpp) decide every syscall number of every ABI, and the argument
// values the rules look at, as libseccomp's linear program does; all run here in a
// user-space BPF interpreter.
BOOST_AUTO_TEST_CASE(binary_tree_decides_every_call_as_the_linear_program) {
    using berth::sys::SeccompShape;
    for (const auto& [name, seccomp] : profiles_to_compare()) {
        BOOST_TEST_CONTEXT("profile " << name) {
            std::vector<sock_filter> tree = berth::sys::compile_seccomp(seccomp, SeccompShape::tree).program;
            // The rewrite itself, also where compile_seccomp keeps the shorter tree.
            std::optional<std::vector<sock_filter>> rewritten = berth::sys::range_seccomp_program(tree);
            BOOST_TEST_REQUIRE(rewritten.has_value());
            std::vector<sock_filter> ranges = *rewritten;
            BOOST_TEST(berth::sys::compile_seccomp(seccomp).program.size() == std::min(ranges.size(), tree.size()));
            std::vector<sock_filter> linear = berth::sys::compile_seccomp(seccomp, SeccompShape::linear).program;
            BOOST_TEST_MESSAGE(name << ": " << linear.size() << " instructions linear, " << tree.size() << " as a tree, "
                                    << ranges.size() << " as ranges");
            std::map<std::uint32_t, int> actions;
            BOOST_TEST(count_differences(ranges, tree, seccomp, actions) == 0);
            BOOST_TEST(count_differences(tree, linear, seccomp, actions) == 0);
            BOOST_TEST(actions[SECCOMP_RET_KILL_THREAD] > 0);  // an architecture the filter does not list
            BOOST_TEST(actions.size() > 2);                    // and some decisions of the profile's own
            // The kernel takes the rewrite too (its checks: every jump in the program, a
            // return last, loads inside seccomp_data); each profile allows exit_group.
            SeccompPlan loaded;
            loaded.program = ranges;
            BOOST_TEST(exited_with(run_filtered(loaded, [] { return 0; }), 0));
        }
    }
}

BOOST_AUTO_TEST_CASE(podman_sized_profiles_load_as_ranges) {
    using berth::sys::SeccompShape;
    oci::Seccomp seccomp = podman_like_profile();
    std::vector<sock_filter> tree = berth::sys::compile_seccomp(seccomp, SeccompShape::tree).program;
    std::vector<sock_filter> ranges = berth::sys::compile_seccomp(seccomp).program;
    BOOST_TEST(ranges.size() * 2 < tree.size(), ranges.size() << " instructions as ranges, " << tree.size() << " as a tree");
    constexpr std::uint32_t kAllow = SECCOMP_RET_ALLOW, kEnosys = SECCOMP_RET_ERRNO | ENOSYS;
    // The interpreter runs them as the profile says.
    seccomp_data getppid{SYS_getppid, AUDIT_ARCH_X86_64, 0, {}};
    BOOST_TEST(run_bpf(ranges, getppid) == kAllow);
    seccomp_data personality{SYS_personality, AUDIT_ARCH_X86_64, 0, {8}};
    BOOST_TEST(run_bpf(ranges, personality) == kAllow);
    personality.args[0] = 7;
    BOOST_TEST(run_bpf(ranges, personality) == kEnosys);
    // And so does the kernel.
    SeccompPlan plan = berth::sys::compile_seccomp(seccomp);
    int status = run_filtered(plan, [] {
        if (errno_of(syscall(SYS_personality, 7)) != ENOSYS) return 1;
        if (syscall(SYS_personality, 0xffffffff) < 0) return 2;
        return errno_of(syscall(1000)) == ENOSYS ? 0 : 3;
    });
    BOOST_TEST(exited_with(status, 0), "status " << status);
}
#endif

BOOST_AUTO_TEST_CASE(empty_plan_loads_nothing) {
    BOOST_TEST(exited_with(run_filtered(SeccompPlan{}, getppid_errno), 0));
}

BOOST_AUTO_TEST_SUITE_END()
