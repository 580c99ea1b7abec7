// The compiled-filter cache: hits return what was compiled, faster; anything invalid
// on disk is ignored and rewritten.
#include "seccomp_test_util.hpp"

#include "sys/seccomp.hpp"
#include "sys/seccomp_cache.hpp"

#include <boost/test/unit_test.hpp>

#include <seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

using berth::sys::build_seccomp_plan;
using berth::sys::SeccompPlan;
using namespace berth::test;
namespace oci = berth::oci;
namespace sys = berth::sys;
namespace fs = std::filesystem;

namespace {

bool same_plan(const SeccompPlan& a, const SeccompPlan& b) {
    if (a.flags != b.flags || a.needs_listener != b.needs_listener || a.program.size() != b.program.size()) return false;
    return std::memcmp(a.program.data(), b.program.data(), a.program.size() * sizeof(sock_filter)) == 0;
}

oci::Seccomp small_profile() { return profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOSPC)}); }

template <typename F>
std::chrono::nanoseconds fastest_of(int runs, F&& f) {
    auto best = std::chrono::nanoseconds::max();
    for (int i = 0; i < runs; ++i) {
        auto start = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start));
    }
    return best;
}

void overwrite(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_cache)

BOOST_AUTO_TEST_CASE(cache_hit_returns_the_identical_program) {
    TempDir dir;
    std::string cache = dir.path() + "/seccomp";  // created on first use
    oci::Seccomp seccomp = podman_like_profile();
    SeccompPlan compiled = build_seccomp_plan(seccomp, "");
    SeccompPlan first = build_seccomp_plan(seccomp, cache);
    std::string path = sys::seccomp_cache_path(cache, sys::seccomp_cache_key(seccomp));
    BOOST_REQUIRE(fs::exists(path));
    SeccompPlan second = build_seccomp_plan(seccomp, cache);
    BOOST_TEST(same_plan(compiled, first));
    BOOST_TEST(same_plan(compiled, second));
    BOOST_TEST(fs::file_size(path) == 88 + compiled.program.size() * sizeof(sock_filter));
}

BOOST_AUTO_TEST_CASE(cache_hit_is_read_not_recompiled) {
    TempDir dir;
    // Plant a different valid entry under the small profile's key: a hit must return it.
    SeccompPlan other = build_seccomp_plan(profile("SCMP_ACT_ALLOW", {rule({"getpid"}, "SCMP_ACT_ERRNO", EIO)}), "");
    auto key = sys::seccomp_cache_key(small_profile());
    BOOST_REQUIRE(sys::store_cached_seccomp(dir.path(), key, other));
    BOOST_TEST(same_plan(build_seccomp_plan(small_profile(), dir.path()), other));
}

BOOST_AUTO_TEST_CASE(cache_hit_is_faster_than_a_compile) {
    TempDir dir;
    oci::Seccomp seccomp = podman_like_profile();
    build_seccomp_plan(seccomp, dir.path());
    auto compile = fastest_of(5, [&] { build_seccomp_plan(seccomp, ""); });
    auto cached = fastest_of(5, [&] { build_seccomp_plan(seccomp, dir.path()); });
    BOOST_TEST_MESSAGE("compile " << compile.count() / 1000 << " us, cache hit " << cached.count() / 1000 << " us");
    BOOST_TEST(cached.count() * 2 < compile.count());
}

BOOST_AUTO_TEST_CASE(cached_filter_behaves_like_the_compiled_one) {
    TempDir dir;
    build_seccomp_plan(small_profile(), dir.path());
    SeccompPlan hit = build_seccomp_plan(small_profile(), dir.path());
    int status = run_filtered(hit, [] { return errno_of(syscall(SYS_getppid)); });
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == ENOSPC));
}

BOOST_AUTO_TEST_CASE(corrupt_cache_file_is_ignored_and_rewritten) {
    TempDir dir;
    oci::Seccomp seccomp = small_profile();
    SeccompPlan good = build_seccomp_plan(seccomp, dir.path());
    auto key = sys::seccomp_cache_key(seccomp);
    std::string path = sys::seccomp_cache_path(dir.path(), key);
    const std::string original = read_all(path);

    std::string flipped_program = original;
    flipped_program[original.size() - 3] ^= 0x40;  // a bit in the last instruction
    std::string flipped_flags = original;
    flipped_flags[12] ^= 0x01;  // header flags: covered by the digest
    std::string wrong_magic = original;
    wrong_magic[0] = 'X';
    std::string other_key = original;
    other_key[30] ^= 0x01;
    const std::vector<std::pair<const char*, std::string>> corruptions = {
        {"empty", ""},
        {"garbage", std::string(200, '\x5a')},
        {"truncated", original.substr(0, original.size() - 4)},
        {"header only", original.substr(0, 88)},
        {"extra bytes", original + "12345678"},
        {"flipped program bit", flipped_program},
        {"flipped flag bit", flipped_flags},
        {"wrong magic", wrong_magic},
        {"other key", other_key},
    };
    for (const auto& [what, bytes] : corruptions) {
        BOOST_TEST_CONTEXT(what) {
            overwrite(path, bytes);
            BOOST_TEST(!sys::load_cached_seccomp(dir.path(), key).has_value());
            BOOST_TEST(same_plan(build_seccomp_plan(seccomp, dir.path()), good));
            BOOST_TEST(read_all(path) == original);  // rewritten
        }
    }
}

BOOST_AUTO_TEST_CASE(key_covers_what_shapes_the_filter) {
    oci::Seccomp base = small_profile();
    auto key = sys::seccomp_cache_key(base);
    BOOST_TEST(key == sys::seccomp_cache_key(small_profile()));  // deterministic
    oci::Seccomp changed = base;
    changed.listener_path = "/run/agent.sock";  // not in the BPF
    changed.listener_metadata = "x";
    BOOST_TEST(key == sys::seccomp_cache_key(changed));
    std::vector<oci::Seccomp> variants(8, base);
    variants[0].default_action = "SCMP_ACT_LOG";
    variants[1].default_errno_ret = EPERM;  // explicit EPERM: same filter, still a distinct key
    variants[2].architectures = {"SCMP_ARCH_X86"};
    variants[3].flags = {"SECCOMP_FILTER_FLAG_LOG"};
    variants[4].syscalls[0].errno_ret = EIO;
    variants[5].syscalls[0].names = {"getppid", "getpid"};
    variants[6].syscalls[0].args = {arg(0, "SCMP_CMP_EQ", 1)};
    // Length prefixes keep {"ab","c"} and {"a","bc"} apart.
    variants[7].syscalls[0].names = {"getppi", "d"};
    for (std::size_t i = 0; i < variants.size(); ++i) {
        BOOST_TEST_CONTEXT("variant " << i) {
            BOOST_TEST(sys::seccomp_cache_key(variants[i]) != key);
        }
    }
    oci::Seccomp split = base;
    split.syscalls[0].names = {"getpp", "id"};
    BOOST_TEST(sys::seccomp_cache_key(split) != sys::seccomp_cache_key(variants[7]));
}

// The security property of the cache: two profiles that compile to different filters
// never share a key (else one container would get the other's filter). Every field of a
// profile with an argument rule is changed in turn; all pairs are compared.
BOOST_AUTO_TEST_CASE(profiles_that_compile_differently_never_share_a_key) {
    oci::Seccomp base = profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_ERRNO", ENOSPC),
                                                   rule({"getpriority"}, "SCMP_ACT_ERRNO", EIO, {arg(0, "SCMP_CMP_EQ", 1)})});
    using Edit = std::function<void(oci::Seccomp&)>;
    std::vector<Edit> edits = {
        [](oci::Seccomp&) {},
        [](oci::Seccomp& s) { s.default_action = "SCMP_ACT_LOG"; },
        [](oci::Seccomp& s) { s.default_action = "SCMP_ACT_ERRNO"; },
        [](oci::Seccomp& s) { s.default_action = "SCMP_ACT_ERRNO"; s.default_errno_ret = ENOSYS; },
        [](oci::Seccomp& s) { s.architectures = {"SCMP_ARCH_X86"}; },
        [](oci::Seccomp& s) { s.architectures = {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}; },
        [](oci::Seccomp& s) { s.flags = {"SECCOMP_FILTER_FLAG_LOG"}; },
        [](oci::Seccomp& s) { s.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW"}; },
        [](oci::Seccomp& s) { s.syscalls[0].errno_ret = EIO; },
        [](oci::Seccomp& s) { s.syscalls[0].errno_ret.reset(); },
        [](oci::Seccomp& s) { s.syscalls[0].action = "SCMP_ACT_KILL_PROCESS"; s.syscalls[0].errno_ret.reset(); },
        [](oci::Seccomp& s) { s.syscalls[0].action = "SCMP_ACT_TRACE"; },
        [](oci::Seccomp& s) { s.syscalls[0].names = {"getpid"}; },
        [](oci::Seccomp& s) { s.syscalls[0].names.push_back("getpid"); },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].index = 1; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_NE"; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_GT"; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].value = 2; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].value = 0x100000001ULL; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_MASKED_EQ"; s.syscalls[1].args[0].value_two = 1; },
        [](oci::Seccomp& s) { s.syscalls[1].args[0].op = "SCMP_CMP_MASKED_EQ"; s.syscalls[1].args[0].value_two = 0; },
        [](oci::Seccomp& s) { s.syscalls[1].args.push_back(arg(1, "SCMP_CMP_EQ", 0)); },
        [](oci::Seccomp& s) { s.syscalls[1].args.push_back(arg(0, "SCMP_CMP_EQ", 2)); },  // runc's any-of
        [](oci::Seccomp& s) { std::swap(s.syscalls[0], s.syscalls[1]); },
        [](oci::Seccomp& s) { s.syscalls.pop_back(); },
    };
    std::vector<SeccompPlan> plans;
    std::vector<sys::Sha256Digest> keys;
    for (const Edit& edit : edits) {
        oci::Seccomp variant = base;
        edit(variant);
        plans.push_back(build_seccomp_plan(variant, ""));
        keys.push_back(sys::seccomp_cache_key(variant));
    }
    int different_filters = 0;
    for (std::size_t i = 0; i < edits.size(); ++i) {
        for (std::size_t j = i + 1; j < edits.size(); ++j) {
            if (same_plan(plans[i], plans[j])) continue;
            ++different_filters;
            BOOST_TEST(keys[i] != keys[j], "edits " << i << " and " << j << " compile differently but share a key");
        }
    }
    // The edits do change the filter (else the test would prove nothing).
    BOOST_TEST(different_filters > static_cast<int>(edits.size() * (edits.size() - 1) / 2 * 9 / 10));
}

BOOST_AUTO_TEST_CASE(unusable_cache_dir_still_compiles) {
    TempDir dir;
    std::string file = dir.path() + "/not-a-dir";
    overwrite(file, "x");
    SeccompPlan plan = build_seccomp_plan(small_profile(), file + "/cache");
    BOOST_TEST(same_plan(plan, build_seccomp_plan(small_profile(), "")));
}

BOOST_AUTO_TEST_CASE(no_cache_dir_writes_nothing) {
    TempDir dir;
    std::string cwd = fs::current_path();
    fs::current_path(dir.path());
    build_seccomp_plan(small_profile(), "");
    fs::current_path(cwd);
    BOOST_TEST(fs::is_empty(dir.path()));
}

BOOST_AUTO_TEST_SUITE_END()
