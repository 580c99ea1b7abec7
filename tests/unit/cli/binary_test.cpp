// The built berth binary, end to end, for the commands that need no container:
// --version, --help, usage errors, spec, check, features. $BERTH names the binary;
// $RUNC and $CRUN, when set, name reference runtimes whose `spec` output berth must accept.
#define BOOST_TEST_MODULE cli_binary
#include "oci/json.hpp"
#include "oci/parse.hpp"

#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

struct Result {
    int status = -1;
    std::string out;
    std::string err;
};

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

struct TempDir {
    fs::path dir;
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "berth-cli-bin-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(pattern.data()));
        dir = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// Runs `program args...` in `cwd`, capturing stdout and stderr through files.
Result run(const std::string& program, std::vector<std::string> args, const fs::path& cwd) {
    TempDir capture;
    auto out = capture.dir / "out", err = capture.dir / "err";
    pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0 || ::chdir(cwd.c_str()) != 0) _exit(126);
        std::vector<char*> argv{const_cast<char*>(program.c_str())};
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(program.c_str(), argv.data());
        _exit(127);
    }
    int wstatus = 0;
    BOOST_REQUIRE(::waitpid(pid, &wstatus, 0) == pid);
    Result r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

std::string berth() {
    const char* path = std::getenv("BERTH");
    BOOST_REQUIRE_MESSAGE(path, "BERTH must name the berth binary");
    // Absolute, because run() changes directory before exec.
    return fs::absolute(path).string();
}

Result run_berth(std::vector<std::string> args, const fs::path& cwd = fs::current_path()) {
    return run(berth(), std::move(args), cwd);
}

// `tool option <berth>`, e.g. readelf -d (its NEEDED libraries) or nm -C (its symbols).
Result inspect_binary(const std::string& tool, const std::string& option) {
    return run(tool, {option, berth()}, fs::current_path());
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// Checks that `tool spec` (run in a fresh bundle) produces a config berth accepts.
void check_reference_spec(const char* env) {
    const char* tool = std::getenv(env);
    if (!tool) {
        BOOST_TEST_MESSAGE(env << " not set: skipped");
        return;
    }
    TempDir bundle;
    auto made = run(tool, {"spec"}, bundle.dir);
    BOOST_REQUIRE_MESSAGE(made.status == 0, tool << " spec: " << made.err);
    fs::create_directory(bundle.dir / "rootfs");
    auto checked = run_berth({"check"}, bundle.dir);
    BOOST_TEST(checked.status == 0, env << ": " << checked.err);
    BOOST_TEST(checked.out == "ok\n");
}

}  // namespace

BOOST_AUTO_TEST_CASE(version_has_runc_shape) {
    auto r = run_berth({"--version"});
    BOOST_TEST(r.status == 0);
    std::istringstream lines(r.out);
    std::string first, second, third;
    std::getline(lines, first);
    std::getline(lines, second);
    std::getline(lines, third);
    BOOST_TEST(first.starts_with("berth version "));
    BOOST_TEST(second.starts_with("commit: "));
    BOOST_TEST(third == "spec: 1.3.0");
    BOOST_TEST(contains(r.out, "libseccomp: "));
    // docker takes any line containing "version" as the runtime's name and version.
    for (std::string line; std::getline(lines, line);) BOOST_TEST(!contains(line, "version"));
}

// Peak memory: every shared library costs each start its mappings and relocations, so the
// release berth is fully static (static-pie: no program interpreter, no NEEDED library);
// a sanitizer build links libstdc++, fmt, yajl, libseccomp and libcap statically and loads
// libsystemd only for the systemd driver (README "Design notes"). berth-systemd, the
// static berth's dynamic twin for that driver, needs libc alone.
BOOST_AUTO_TEST_CASE(berth_needs_no_cxx_or_systemd_shared_libraries) {
    auto r = inspect_binary("/usr/bin/readelf", "-d");
    BOOST_REQUIRE(r.status == 0);
    if (std::getenv("BERTH_STATIC")) {
        BOOST_TEST(!contains(r.out, "(NEEDED)"));
        auto headers = inspect_binary("/usr/bin/readelf", "-l");
        BOOST_TEST(!contains(headers.out, "INTERP"));
        BOOST_TEST(contains(headers.out, "DYN"));  // position-independent: ASLR as before
        return;
    }
    BOOST_TEST(contains(r.out, "(NEEDED)"));
    for (auto library : {"libstdc++", "libfmt", "libsystemd", "libmount", "libyajl", "libseccomp", "libcap"}) {
        BOOST_TEST_CONTEXT(library) { BOOST_TEST(!contains(r.out, std::string("[") + library)); }
    }
}

// The static berth hands --systemd-cgroup to berth-systemd, which loads libsystemd and
// gets as far as connecting (this host has no systemd): without the handoff, the static
// berth's own sd-bus stubs answer "Operation not supported".
BOOST_AUTO_TEST_CASE(static_berth_hands_the_systemd_driver_to_its_dynamic_twin) {
    if (!std::getenv("BERTH_STATIC")) {
        BOOST_TEST_MESSAGE("dynamic build: it runs the systemd driver itself");
        return;
    }
    const std::string twin = (fs::absolute(std::getenv("BERTH")).parent_path() / "berth-systemd").string();
    auto needed = run("/usr/bin/readelf", {"-d", twin}, fs::current_path());
    BOOST_REQUIRE(needed.status == 0);
    BOOST_TEST(contains(needed.out, "[libc.so.6]"));
    BOOST_TEST(!contains(needed.out, "[libsystemd"));
    TempDir bundle;
    BOOST_REQUIRE(run_berth({"spec"}, bundle.dir).status == 0);
    fs::create_directory(bundle.dir / "rootfs");
    {
        std::ifstream in(bundle.dir / "config.json");
        std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        config.replace(config.find("\"terminal\": true"), 16, "\"terminal\":false");
        std::ofstream(bundle.dir / "config.json") << config;
    }
    TempDir root;
    auto r = run_berth({"--root", root.dir.string(), "--systemd-cgroup", "create", "handoff-test"}, bundle.dir);
    BOOST_TEST(r.status != 0);
    BOOST_TEST(contains(r.err, "systemd"), r.err);
    BOOST_TEST(!contains(r.err, "Operation not supported"), r.err);
    BOOST_TEST(!fs::exists(root.dir / "handoff-test"));
}

// iostreams or std::filesystem anywhere in berth link libstdc++'s locale facets (~0.6 MiB of
// text, most of it touched at start-up); util/text.hpp is the way to parse text.
BOOST_AUTO_TEST_CASE(berth_links_no_locale_machinery) {
    auto r = inspect_binary("/usr/bin/nm", "-C");
    BOOST_REQUIRE(r.status == 0);
    BOOST_TEST(contains(r.out, "berth::"));
    BOOST_TEST(!contains(r.out, "std::money_get"));
    BOOST_TEST(!contains(r.out, "std::basic_istringstream"));
}

BOOST_AUTO_TEST_CASE(help_lists_commands) {
    auto r = run_berth({"--help"});
    BOOST_TEST(r.status == 0);
    for (auto command : {"create", "start", "run", "exec", "kill", "delete", "spec", "check", "features"}) {
        BOOST_TEST(contains(r.out, command));
    }
    auto c = run_berth({"create", "--help"});
    BOOST_TEST(c.status == 0);
    BOOST_TEST(contains(c.out, "--console-socket"));
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_1_with_one_line) {
    auto r = run_berth({"create"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.err == "berth create: missing <container-id>\n");
    auto u = run_berth({"foo"});
    BOOST_TEST(u.status == 1);
    BOOST_TEST(u.err == "berth: unknown command \"foo\"\n");
    auto v = run_berth({"create", "c1", "--pid-file"});
    BOOST_TEST(v.err == "berth create: flag --pid-file needs a value\n");
}

BOOST_AUTO_TEST_CASE(checkpoint_failure_reaches_the_json_log) {
    TempDir dir;
    auto log = dir.dir / "log.json";
    auto r = run_berth({"--log", log.string(), "--log-format", "json", "--root", (dir.dir / "state").string(),
                        "checkpoint", "c1"});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(contains(r.err, "checkpoint \"c1\": container \"c1\" does not exist"), r.err);
    // Engines (podman) read the error from the JSON log.
    auto line = slurp(log);
    BOOST_TEST(contains(line, "\"level\":\"error\""));
    BOOST_TEST(contains(line, "checkpoint \\\"c1\\\": container"), line);
}

BOOST_AUTO_TEST_CASE(spec_then_check_passes_and_spec_refuses_to_overwrite) {
    TempDir bundle;
    auto made = run_berth({"spec"}, bundle.dir);
    BOOST_REQUIRE_MESSAGE(made.status == 0, made.err);
    BOOST_REQUIRE(fs::exists(bundle.dir / "config.json"));
    fs::create_directory(bundle.dir / "rootfs");
    auto checked = run_berth({"check"}, bundle.dir);
    BOOST_TEST(checked.status == 0, checked.err);
    BOOST_TEST(checked.out == "ok\n");
    auto again = run_berth({"spec", "--bundle", bundle.dir.string()});
    BOOST_TEST(again.status == 1);
    BOOST_TEST(contains(again.err, "exists"));
}

BOOST_AUTO_TEST_CASE(rootless_spec_passes_check) {
    TempDir bundle;
    auto made = run_berth({"spec", "--rootless", "-b", bundle.dir.string()});
    BOOST_REQUIRE_MESSAGE(made.status == 0, made.err);
    fs::create_directory(bundle.dir / "rootfs");
    auto checked = run_berth({"check", "--bundle", bundle.dir.string()});
    BOOST_TEST(checked.status == 0, checked.err);
    BOOST_TEST(contains(slurp(bundle.dir / "config.json"), "uidMappings"));
}

BOOST_AUTO_TEST_CASE(check_of_a_broken_config_prints_the_json_path) {
    TempDir bundle;
    std::ofstream(bundle.dir / "config.json")
        << R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"}, "process": {"cwd": "/", "args": "sh"}})";
    fs::create_directory(bundle.dir / "rootfs");
    auto r = run_berth({"check"}, bundle.dir);
    BOOST_TEST(r.status == 1);
    BOOST_TEST(contains(r.err, ".process.args"), r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(runc_spec_passes_check) { check_reference_spec("RUNC"); }

BOOST_AUTO_TEST_CASE(crun_spec_passes_check) { check_reference_spec("CRUN"); }

// The other direction: runc runs the bundle `berth spec` writes (busybox as the rootfs; no
// terminal, and a cgroupsPath of its own so runc does not nest under the caller's cgroup).
BOOST_AUTO_TEST_CASE(runc_runs_the_bundle_berth_spec_writes) {
    const char* runc = std::getenv("RUNC");
    if (!runc || ::geteuid() != 0 || !fs::exists("/bin/busybox")) {
        BOOST_TEST_MESSAGE("skipped: needs root, runc and /bin/busybox");
        return;
    }
    TempDir bundle, state;
    BOOST_REQUIRE(run_berth({"spec", "--bundle", bundle.dir.string()}).status == 0);
    fs::create_directories(bundle.dir / "rootfs/bin");
    fs::copy_file("/bin/busybox", bundle.dir / "rootfs/bin/busybox");
    auto config = berth::oci::parse_config(slurp(bundle.dir / "config.json"));
    config.process->terminal = false;
    config.process->args = {"/bin/busybox", "sh", "-c", "echo from-runc $(/bin/busybox hostname)"};
    config.linux_->cgroups_path = "/berth-cli-runc-" + std::to_string(::getpid());
    std::ofstream(bundle.dir / "config.json") << berth::oci::to_json(config, true);
    auto r = run(runc, {"--root", state.dir.string(), "run", "--bundle", bundle.dir.string(),
                        "berth-spec-" + std::to_string(::getpid())}, bundle.dir);
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out == "from-runc berth\n");
}

BOOST_AUTO_TEST_CASE(features_prints_json) {
    auto r = run_berth({"features"});
    BOOST_TEST(r.status == 0);
    auto doc = berth::json::parse(r.out, "features");
    BOOST_TEST(doc.find("ociVersionMax")->text == "1.3.0");
}
