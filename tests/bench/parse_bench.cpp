// Benchmark (not a test): parse_config() on a default config.json that carries podman's
// default seccomp profile as .linux.seccomp, the largest config a typical engine hands
// a runtime. Prints the mean time per parse.
//
//   parse-bench [iterations] [profile.json]
//   (defaults: 2000, /usr/share/containers/seccomp.json from containers-common)
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace {

// The default config of `runc spec`, in one line.
constexpr const char* kDefaultConfig = R"({"ociVersion":"1.0.2-dev","process":{"terminal":true,
"user":{"uid":0,"gid":0},"args":["sh"],"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
"TERM=xterm"],"cwd":"/","capabilities":{"bounding":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],
"effective":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"],"permitted":["CAP_AUDIT_WRITE","CAP_KILL",
"CAP_NET_BIND_SERVICE"],"ambient":["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]},"rlimits":[{"type":
"RLIMIT_NOFILE","hard":1024,"soft":1024}],"noNewPrivileges":true},"root":{"path":"rootfs","readonly":true},
"hostname":"runc","mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/dev",
"type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},{"destination":
"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666",
"mode=0620","gid=5"]},{"destination":"/dev/shm","type":"tmpfs","source":"shm","options":["nosuid","noexec",
"nodev","mode=1777","size=65536k"]},{"destination":"/dev/mqueue","type":"mqueue","source":"mqueue","options":
["nosuid","noexec","nodev"]},{"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid",
"noexec","nodev","ro"]},{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":[
"nosuid","noexec","nodev","relatime","ro"]}],"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]},
"namespaces":[{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}],
"maskedPaths":["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats",
"/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],
"readonlyPaths":["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}})";

std::string read_file(const char* path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        berth::throw_error("open \"{}\": cannot read", path);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// kDefaultConfig with `profile` inserted as .linux.seccomp, written compactly.
std::string config_with_profile(const std::string& profile) {
    berth::json::Value config = berth::json::parse(kDefaultConfig, "default config");
    config.find("linux")->members.emplace_back("seccomp", berth::json::parse(profile, "seccomp profile"));
    berth::json::Writer writer;
    writer.value(config);
    return writer.str();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 2000;
        const char* profile_path = argc > 2 ? argv[2] : "/usr/share/containers/seccomp.json";
        if (iterations <= 0) {
            iterations = 2000;
        }
        std::string text = config_with_profile(read_file(profile_path));
        berth::oci::Config first = berth::oci::parse_config(text);
        std::size_t rules = first.linux_->seccomp->syscalls.size();

        std::size_t checksum = 0;
        auto start = std::chrono::steady_clock::now();
        for (long i = 0; i < iterations; ++i) {
            berth::oci::Config c = berth::oci::parse_config(text);
            checksum += c.linux_->seccomp->syscalls.size();
        }
        std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
        if (checksum != rules * static_cast<std::size_t>(iterations)) {
            std::fputs("parse-bench: inconsistent results\n", stderr);
            return 1;
        }
        fmt::print("parse_config: {} bytes, {} seccomp rules, {} iterations: {:.1f} us per parse\n",
                   text.size(), rules, iterations, elapsed.count() / static_cast<double>(iterations));
        return 0;
    } catch (const berth::Error& e) {
        fmt::print(stderr, "parse-bench: {}\n", e.what());
        return 1;
    }
}
