// Real seccomp profiles on real containers: podman's default profile as podman hands it
// to a runtime (containers-common's file, with its capability- and arch-conditional rules
// resolved as podman resolves them), loaded by berth and filtering inside the container.
// (Docker's default profile is compiled into dockerd: tests/engines/docker.sh checks it.)
#define BOOST_TEST_MODULE integration_seccomp_profiles
#include "harness.hpp"

#include "oci/parse.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace berth::it;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

constexpr const char* kPodmanProfile = "/usr/share/containers/seccomp.json";

// containers-common's format to OCI's: a rule stays when the container holds every cap
// its "includes" names and none its "excludes" names, and its arches allow x86_64
// (minKernel is below this kernel for every rule of the packaged file).
constexpr const char* kToOci = R"(
{defaultAction, defaultErrnoRet,
 architectures: [.archMap[] | select(.architecture == "SCMP_ARCH_X86_64") | .architecture, .subArchitectures[]],
 syscalls: [.syscalls[]
   | select((.includes.caps // []) | all(. as $c | $caps | index($c)))
   | select((.excludes.caps // []) | any(. as $c | $caps | index($c)) | not)
   | select((.includes.arches // []) | length == 0 or index("amd64"))
   | select((.excludes.arches // []) | index("amd64") | not)
   | {names, action} + (if .errnoRet then {errnoRet} else {} end) + (if .args then {args} else {} end)]})";

// `extra_jq` edits the converted profile (e.g. to make it older).
berth::oci::Seccomp podman_profile(const Bundle& b, const std::string& extra_jq = ".") {
    std::string caps = "[";
    for (const auto& c : b.config.process->capabilities->bounding) caps += (caps.size() > 1 ? ",\"" : "\"") + c + "\"";
    caps += "]";
    Result conv = run_command({"/usr/bin/jq", "--argjson", "caps", caps, std::string(kToOci) + " | " + extra_jq, kPodmanProfile});
    BOOST_TEST_REQUIRE(conv.status == 0, conv.err);
    auto wrapped = berth::oci::parse_config(R"({"ociVersion": "1.2.0", "linux": {"seccomp": )" + conv.out + "}}",
                                            "converted podman profile");
    return *wrapped.linux_->seccomp;
}

// personality(2) is number 135 on x86_64; ADDR_NO_RANDOMIZE (0x40000) is no argument
// podman's rule for it allows, PER_LINUX (0) is.
std::string personality_errno(Bundle& b, const char* persona) {
    b.config.process->args = {"/probe", "syscall", "135", persona};
    Result r = b.run();
    BOOST_TEST(r.status == 0, r.err);
    return parse_report(r.out).get("errno");
}

}  // namespace

BOOST_AUTO_TEST_CASE(podman_default_profile_filters_inside_the_container) {
    BOOST_TEST_REQUIRE(path_exists(kPodmanProfile), "golang-github-containers-common is installed by contrib/install-deps.sh");
    Bundle b;
    b.config.linux_->seccomp = podman_profile(b);
    BOOST_TEST(b.config.linux_->seccomp->syscalls.size() > 10u);

    b.config.process->args = {"/probe", "cat", "/proc/self/status"};
    Result status = b.run();
    BOOST_TEST_REQUIRE(status.status == 0, status.err);
    BOOST_TEST(contains(status.out, "Seccomp:\t2"), status.out);

    BOOST_TEST(personality_errno(b, "0") == "0");
    BOOST_TEST(personality_errno(b, "0x40000") == "38");  // the profile's defaultErrnoRet, ENOSYS

    // busybox works under it: the profile allows what a shell needs.
    b.config.process->args = {"/bin/sh", "-c", "ls / > /dev/null && echo shell-ok"};
    Result shell = b.run();
    BOOST_TEST(contains(shell.out, "shell-ok"), shell.out + shell.err);
}

// The control: without a profile the same call succeeds, so the 38 above is the filter's.
BOOST_AUTO_TEST_CASE(without_a_profile_the_same_call_succeeds) {
    Bundle b;
    b.config.linux_->seccomp.reset();
    BOOST_TEST(personality_errno(b, "0x40000") == "0");
}

// The same profile as profiles written before 2021 (Docker's until 20.10.x, many
// Kubernetes Localhost profiles) look: without the syscalls added since Linux 5.3 and with
// the default errno EPERM. Under noNewPrivileges false (Docker's and Kubernetes' default)
// berth loads the filter before it drops capabilities, so every syscall it makes after
// that must be one such a profile allows.
constexpr const char* kPre2021 = R"(
del(.defaultErrnoRet)
| .syscalls |= map(.names |= map(select(. as $n
      | ["faccessat2", "close_range", "clone3", "openat2"] | index($n) | not))
    | .names |= map(select(startswith("pidfd_") | not))
    | select(.names | length > 0)))";

BOOST_AUTO_TEST_CASE(profile_without_new_syscalls_runs_with_no_new_privileges_false) {
    Bundle b;
    b.config.linux_->seccomp = podman_profile(b, kPre2021);
    for (const auto& rule : b.config.linux_->seccomp->syscalls)
        for (const auto& name : rule.names) BOOST_TEST_REQUIRE(name != "close_range");
    b.config.process->no_new_privileges = false;
    // A startContainer hook runs in the container, after the filter: it must start.
    berth::oci::Hooks hooks;
    hooks.start_container.push_back({"/bin/sh", {"sh", "-c", "echo started > /dev/shm/hook-ran"}, {}, std::nullopt});
    b.config.hooks = hooks;

    b.config.process->args = {"/bin/cat", "/dev/shm/hook-ran"};
    Result hooked = b.run();
    BOOST_TEST(hooked.status == 0, hooked.err);
    BOOST_TEST(contains(hooked.out, "started"), hooked.out + hooked.err);

    // An engine's descriptor without CLOEXEC (a lock file, a pipe): it must not reach the
    // container.
    b.config.hooks.reset();
    int leaked = ::open("/dev/null", O_RDONLY);
    BOOST_TEST_REQUIRE(leaked >= 3);
    b.config.process->args = {"/probe", "report"};
    Result report = b.run();
    ::close(leaked);
    BOOST_TEST_REQUIRE(report.status == 0, report.err);
    BOOST_TEST(parse_report(report.out).get("fds") == "0,1,2", report.out);

    // runc's stub: a syscall newer than every syscall the profile names is ENOSYS, so a
    // program can fall back; an old syscall the profile denies stays EPERM.
    b.config.process->args = {"/probe", "syscall", "1000"};
    Result newer = b.run();
    BOOST_TEST(newer.status == 0, newer.err);
    BOOST_TEST(parse_report(newer.out).get("errno") == "38");
    BOOST_TEST(personality_errno(b, "0x40000") == "1");
    BOOST_TEST(personality_errno(b, "0") == "0");
}

// The fallback when close_range fails (berth itself confined by an old profile, or a
// kernel before 5.11): every fd is still marked, by walking /proc/self/fd. Before, the
// failure was ignored and the caller's fd and two of berth's own reached the container.
BOOST_AUTO_TEST_CASE(fds_do_not_leak_when_close_range_is_denied) {
    const char* deny = std::getenv("BERTH_DENY_SYSCALL");
    BOOST_TEST_REQUIRE(deny != nullptr);
    Bundle b;
    b.config.process->args = {"/probe", "report"};
    b.save();
    Result r = run_command({deny, "close_range", berth_path(), "--root", b.state_root(), "run", "--bundle", b.dir(), b.id()});
    BOOST_TEST_REQUIRE(r.status == 0, r.err);
    BOOST_TEST(contains(r.err, "leaked=3"), r.err);
    BOOST_TEST(parse_report(r.out).get("fds") == "0,1,2", r.out);
}

// A startContainer hook past its timeout is killed and fails start, also under the old
// profile (the wait uses rt_sigtimedwait and kill, not pidfds).
BOOST_AUTO_TEST_CASE(start_container_hook_timeout_kills_it_under_an_old_profile) {
    Bundle b;
    b.config.linux_->seccomp = podman_profile(b, kPre2021);
    b.config.process->no_new_privileges = false;
    berth::oci::Hooks hooks;
    hooks.start_container.push_back({"/bin/sleep", {"sleep", "30"}, {}, 1});
    b.config.hooks = hooks;
    b.config.process->args = {"/bin/true"};
    auto t0 = std::chrono::steady_clock::now();
    Result r = b.run();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST(r.status != 0);
    BOOST_TEST(contains(r.err, "startContainer hook timed out \"/bin/sleep\""), r.err);
    BOOST_TEST(seconds < 10);
}
