// build_seccomp_plan() without loading much: errors that name the field, seccomp(2) flag
// mapping, architectures, the supported-name lists and the cache key's hash.
#include "seccomp_test_util.hpp"

#include "sys/seccomp.hpp"
#include "sys/seccomp_sha256.hpp"
#include "util/error.hpp"

#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

using berth::sys::build_seccomp_plan;
using berth::sys::SeccompPlan;
using namespace berth::test;
namespace oci = berth::oci;
namespace sys = berth::sys;

namespace {

// The build fails with a message that starts with `field` + ": ".
bool fails_at(const oci::Seccomp& seccomp, const std::string& field) {
    try {
        build_seccomp_plan(seccomp, "");
    } catch (const berth::Error& e) {
        bool ok = std::string(e.what()).starts_with(field + ": ");
        if (!ok) BOOST_TEST_MESSAGE("error was: " << e.what());
        return ok;
    }
    return false;
}

oci::Seccomp with_flags(std::vector<std::string> flags, bool notify = false) {
    auto seccomp = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, notify ? "SCMP_ACT_NOTIFY" : "SCMP_ACT_ERRNO")});
    seccomp.flags = std::move(flags);
    if (notify) seccomp.listener_path = "/run/agent.sock";
    return seccomp;
}

std::vector<std::string> as_strings(std::span<const char* const> names) { return {names.begin(), names.end()}; }

bool kernel_supports(const std::string& flag) {
    auto flags = sys::kernel_supported_seccomp_flags();
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
}

#if defined(__x86_64__)
// getppid through the i386 entry point: the filter sees AUDIT_ARCH_I386.
long int80_getppid() {
    long ret;
    asm volatile("int $0x80" : "=a"(ret) : "a"(64L) : "memory", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");
    return ret;
}
#endif

// Both engines (SHA-NI where this CPU has it, and the portable code).
std::string sha256_hex(const std::string& text, bool portable) {
    sys::Sha256 hash(portable);
    hash.update(text);
    return sys::to_hex(hash.finish());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_plan)

BOOST_AUTO_TEST_CASE(errors_name_the_field) {
    BOOST_TEST(fails_at(profile("SCMP_ACT_FOO"), ".linux.seccomp.defaultAction"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_NOTIFY"), ".linux.seccomp.defaultAction"));
    auto seccomp = profile("SCMP_ACT_ALLOW");
    seccomp.default_errno_ret = 1;
    BOOST_TEST(fails_at(seccomp, ".linux.seccomp.defaultErrnoRet"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ERRNO"), rule({"getppid"}, "SCMP_ACT_BAR")}),
                        ".linux.seccomp.syscalls[1].action"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ERRNO", {rule({"getppid"}, "SCMP_ACT_ALLOW", 1u)}), ".linux.seccomp.syscalls[0].errnoRet"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", 70000u)}), ".linux.seccomp.syscalls[0].errnoRet"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({}, "SCMP_ACT_ERRNO")}), ".linux.seccomp.syscalls[0].names"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ERRNO", {}, {arg(0, "SCMP_CMP_EQ", 1), arg(6, "SCMP_CMP_EQ", 1)})}),
                        ".linux.seccomp.syscalls[0].args[1].index"));
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ERRNO", {}, {arg(0, "SCMP_CMP_XX", 1)})}),
                        ".linux.seccomp.syscalls[0].args[0].op"));
    seccomp = profile("SCMP_ACT_ALLOW");
    seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"};
    BOOST_TEST(fails_at(seccomp, ".linux.seccomp.architectures[1]"));
    BOOST_TEST(fails_at(with_flags({"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_NOPE"}), ".linux.seccomp.flags[1]"));
    seccomp = profile("SCMP_ACT_ALLOW");
    seccomp.listener_metadata = "x";
    BOOST_TEST(fails_at(seccomp, ".linux.seccomp.listenerMetadata"));
}

BOOST_AUTO_TEST_CASE(errors_are_checked_even_for_skipped_rules) {
    // Same action as the default, so the rule adds nothing, but its args are still wrong.
    BOOST_TEST(fails_at(profile("SCMP_ACT_ALLOW", {rule({"getpriority"}, "SCMP_ACT_ALLOW", {}, {arg(9, "SCMP_CMP_EQ", 1)})}),
                        ".linux.seccomp.syscalls[0].args[0].index"));
}

BOOST_AUTO_TEST_CASE(oci_flags_map_to_seccomp_filter_flags) {
    BOOST_TEST(build_seccomp_plan(with_flags({}), "").flags == 0u);
    SeccompPlan plan = build_seccomp_plan(with_flags({"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}), "");
    BOOST_TEST(plan.flags == (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    BOOST_TEST(!plan.needs_listener);
    BOOST_TEST(build_seccomp_plan(with_flags({"SECCOMP_FILTER_FLAG_TSYNC"}), "").flags == SECCOMP_FILTER_FLAG_TSYNC);
}

BOOST_AUTO_TEST_CASE(listener_flags_follow_notify) {
    // WAIT_KILLABLE_RECV needs a listener: dropped without one, kept with one.
    BOOST_TEST(build_seccomp_plan(with_flags({"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}), "").flags == 0u);
    BOOST_TEST(build_seccomp_plan(with_flags({"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}, true), "").flags ==
               (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
    // TSYNC with a listener needs TSYNC_ESRCH, or the kernel says EINVAL.
    BOOST_TEST(build_seccomp_plan(with_flags({"SECCOMP_FILTER_FLAG_TSYNC"}, true), "").flags ==
               (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
}

BOOST_AUTO_TEST_CASE(the_kernel_accepts_every_flag_combination_we_produce) {
    const std::vector<std::pair<std::vector<std::string>, bool>> cases = {
        {{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"}, false},
        {{"SECCOMP_FILTER_FLAG_TSYNC"}, false},
        {{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}, true},
        {{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}, false},
    };
    for (const auto& [flags, notify] : cases) {
        bool supported = std::all_of(flags.begin(), flags.end(), kernel_supports);
        if (!supported) continue;
        SeccompPlan plan = build_seccomp_plan(with_flags(flags, notify), "");
        // A listener fd is > 2 in the child; plain filters return 0.
        int status = run_filtered(plan, [] { return 0; });
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "flags " << plan.flags << " status " << status);
    }
    BOOST_TEST(kernel_supports("SECCOMP_FILTER_FLAG_LOG"));
    BOOST_TEST(kernel_supports("SECCOMP_FILTER_FLAG_TSYNC"));
}

BOOST_AUTO_TEST_CASE(apply_reports_kernel_errors_as_negative_errno) {
    SeccompPlan plan = build_seccomp_plan(with_flags({}), "");
    plan.flags = 1u << 30;  // no such flag
    int status = run_filtered(SeccompPlan{}, [&] { return -sys::apply_seccomp(plan); });
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == EINVAL));
}

BOOST_AUTO_TEST_CASE(architectures_add_checks_for_other_abis) {
    auto seccomp = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOSPC)});
    SeccompPlan native_only = build_seccomp_plan(seccomp, "");
    seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    SeccompPlan multi = build_seccomp_plan(seccomp, "");
    BOOST_TEST(compares_with(multi, AUDIT_ARCH_I386));
    BOOST_TEST(!compares_with(native_only, AUDIT_ARCH_I386));
    BOOST_TEST(compares_with(multi, AUDIT_ARCH_X86_64));
#if defined(__x86_64__)
    // Real behaviour through the x32 ABI (syscall number with bit 30 set). The filter
    // runs before the kernel looks the number up, so this works even on kernels built
    // without x32 support.
    constexpr long kX32Getppid = 0x40000000L | SYS_getppid;
    int status = run_filtered(multi, [] { return errno_of(syscall(kX32Getppid)); });
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == ENOSPC));
    // An ABI the filter does not list is killed (libseccomp's bad-arch action).
    status = run_filtered(native_only, [] { return errno_of(syscall(kX32Getppid)); });
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS));
    // Through the i386 entry point as well, where the kernel has one.
    int probe = run_filtered(SeccompPlan{}, [] { return int80_getppid() == getppid() ? 0 : 1; });
    if (!(WIFEXITED(probe) && WEXITSTATUS(probe) == 0)) {
        BOOST_TEST_MESSAGE("no ia32 syscall entry on this kernel: x86 checked in the program only");
        return;
    }
    status = run_filtered(multi, [] { return int80_getppid() == -ENOSPC ? 0 : 1; });
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    status = run_filtered(native_only, [] { return int80_getppid() == -ENOSPC ? 0 : 1; });
    BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS));
#endif
}

BOOST_AUTO_TEST_CASE(supported_lists_for_features) {
    BOOST_TEST(as_strings(sys::supported_seccomp_actions()) ==
                   (std::vector<std::string>{"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                                             "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
                                             "SCMP_ACT_NOTIFY"}),
               boost::test_tools::per_element());
    BOOST_TEST(as_strings(sys::supported_seccomp_operators()) ==
                   (std::vector<std::string>{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                                             "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}),
               boost::test_tools::per_element());
    BOOST_TEST(as_strings(sys::known_seccomp_flags()) ==
                   (std::vector<std::string>{"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                                             "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}),
               boost::test_tools::per_element());
    // Every listed name is accepted by the compiler, and every one is distinct.
    for (const char* name : sys::supported_seccomp_actions()) {
        if (std::string(name) == "SCMP_ACT_ALLOW" || std::string(name) == "SCMP_ACT_NOTIFY") continue;
        BOOST_CHECK_NO_THROW(build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, name)}), ""));
    }
    for (const char* name : sys::supported_seccomp_archs()) {
        auto seccomp = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO")});
        seccomp.architectures = {name};
        // Known, though an arch of the other byte order cannot join a native filter.
        try {
            build_seccomp_plan(seccomp, "");
        } catch (const berth::Error& e) {
            BOOST_TEST(std::string(e.what()).find("byte order") != std::string::npos, e.what());
        }
    }
    BOOST_TEST(sys::supported_seccomp_archs().size() >= 19u);
}

BOOST_DATA_TEST_CASE(sha256_matches_fips_vectors, boost::unit_test::data::make({false, true}), portable) {
    BOOST_TEST(sha256_hex("", portable) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(sha256_hex("abc", portable) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    BOOST_TEST(sha256_hex(two_blocks, portable) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sys::Sha256 chunked(portable);  // a million 'a', fed in uneven pieces
    std::string piece(997, 'a');
    std::size_t left = 1'000'000;
    while (left > 0) {
        std::size_t n = std::min(left, piece.size());
        chunked.update(piece.data(), n);
        left -= n;
    }
    BOOST_TEST(sys::to_hex(chunked.finish()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(sha256_engines_agree_on_every_length) {
    std::string text;
    std::uint32_t x = 12345;
    for (std::size_t n = 0; n < 700; ++n) {
        BOOST_TEST_CONTEXT("length " << n) { BOOST_TEST(sha256_hex(text, false) == sha256_hex(text, true)); }
        x = x * 1103515245 + 12345;
        text += static_cast<char>(x >> 16);
    }
}

BOOST_AUTO_TEST_SUITE_END()
