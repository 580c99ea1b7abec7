// berth spec [--bundle DIR] [--rootless]: write a starting config.json, as `runc spec` does.
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/spec.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>

namespace berth::cli {
namespace {

oci::Mount mount(std::string destination, std::string type, std::string source,
                 std::vector<std::string> options = {}) {
    oci::Mount m;
    m.destination = std::move(destination);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

oci::Process default_process() {
    oci::Process process;
    process.terminal = true;
    process.args = {"sh"};
    process.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    // Not `cwd = "/"`: GCC 12 -O3 reports a false -Wrestrict on a one-char literal assign.
    process.cwd.push_back('/');
    // The same three capabilities runc and crun give; no inheritable set (runc omits it).
    std::vector<std::string> caps{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
    process.capabilities = oci::Capabilities{caps, caps, {}, caps, caps};
    process.rlimits = {oci::Rlimit{"RLIMIT_NOFILE", 1024, 1024}};
    process.no_new_privileges = true;
    return process;
}

std::vector<oci::Mount> default_mounts(bool rootless) {
    std::vector<oci::Mount> mounts{
        mount("/proc", "proc", "proc"),
        mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}),
        mount("/dev/pts", "devpts", "devpts",
              {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}),
        mount("/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}),
        mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}),
        mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}),
        mount("/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}),
    };
    if (rootless) {
        // A user namespace cannot mount sysfs without its own network namespace, and gid 5
        // (tty) is not mapped: the same two changes runc makes.
        mounts[2].options.pop_back();
        mounts[5] = mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
    }
    return mounts;
}

oci::LinuxConfig default_linux(bool rootless, std::uint32_t uid, std::uint32_t gid) {
    oci::LinuxConfig config;
    using oci::NamespaceType;
    for (auto type : {NamespaceType::pid, NamespaceType::network, NamespaceType::ipc,
                      NamespaceType::uts, NamespaceType::mount}) {
        if (rootless && type == NamespaceType::network) continue;  // keep the host's network
        config.namespaces.push_back(oci::Namespace{type, {}});
    }
    if (rootless) {
        config.namespaces.push_back(oci::Namespace{NamespaceType::user, {}});
        config.uid_mappings = {oci::IdMapping{0, uid, 1}};
        config.gid_mappings = {oci::IdMapping{0, gid, 1}};
    } else {
        // Deny every device; the runtime adds the default /dev/null, /dev/zero, … itself.
        oci::Resources resources;
        resources.devices = {oci::DeviceCgroupRule{false, {}, {}, {}, "rwm"}};
        config.resources = std::move(resources);
    }
    config.masked_paths = {"/proc/acpi",       "/proc/asound",        "/proc/kcore",
                           "/proc/keys",       "/proc/latency_stats", "/proc/timer_list",
                           "/proc/timer_stats", "/proc/sched_debug",  "/sys/firmware",
                           "/proc/scsi"};
    config.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    return config;
}

}  // namespace

oci::Config default_spec(bool rootless, std::uint32_t uid, std::uint32_t gid) {
    oci::Config config;
    config.oci_version = oci::kSpecVersion;
    config.root = oci::Root{"rootfs", true};
    config.process = default_process();
    config.hostname = "berth";
    config.mounts = default_mounts(rootless);
    config.linux_ = default_linux(rootless, uid, gid);
    return config;
}

CommandOptions parse_spec(std::span<const std::string> args) {
    SpecOptions options;
    FlagSet flags("berth spec [options]",
                  "Write a starting config.json into the bundle directory: sh on a terminal\n"
                  "in new namespaces with a read-only rootfs at ./rootfs. Edit it to taste;\n"
                  "an existing config.json is never overwritten.");
    flags.string("bundle,b", "DIR", options.bundle, "bundle directory (default: the current directory)");
    flags.boolean("rootless", options.rootless,
                  "configure a rootless container: a user namespace mapping the current user");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 0, 0, "no arguments");
    return options;
}

int run_spec(const runtime::GlobalOptions&, const CommandOptions& parsed) {
    const auto& options = std::get<SpecOptions>(parsed);
    std::string path = options.bundle.empty() ? std::string("config.json")
                                              : fmt::format("{}/config.json", options.bundle);
    std::string text = oci::to_json(default_spec(options.rootless, ::geteuid(), ::getegid()), true);
    text += '\n';
    // O_EXCL: refuse to overwrite, without a window between a check and the create.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
    if (!fd) {
        if (errno == EEXIST) throw_error("spec: \"{}\" exists: remove it first", path);
        throw_errno("spec: create \"{}\"", path);
    }
    std::string_view rest = text;
    while (!rest.empty()) {
        ssize_t n = ::write(fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("spec: write \"{}\"", path);
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::close(fd.release()) != 0) throw_errno("spec: write \"{}\"", path);
    return 0;
}

}  // namespace berth::cli
