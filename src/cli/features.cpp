// The features document of `berth features` (runtime-spec features.md, features-linux.md).
//
// features.md: the content is decided at build time and says what berth *recognises and
// implements*, not what the host supports. So every entry here must be true of berth's code:
// when you land a feature, flip its switch or extend its table in this file, and nowhere
// else. Until then the entry stays off: a caller that trusts `enabled: true` for something
// berth ignores would run a container with less protection than it asked for.
#include "cli/berth_commit.h"
#include "cli/spec.hpp"
#include "oci/json.hpp"
#include "sys/mounts.hpp"
#include "sys/seccomp.hpp"

#include <berth_build_info.h>
#include <fmt/format.h>
#include <seccomp.h>

#include <span>
#include <string_view>

namespace berth::cli {
namespace {

constexpr std::string_view kOciVersionMin = "1.0.0";
constexpr std::string_view kOciVersionMax = "1.3.0";

// config.md#posix-platform-hooks: all six are parsed and run by the hooks runner.
constexpr std::string_view kHooks[] = {"prestart",       "createRuntime", "createContainer",
                                       "startContainer", "poststart",     "poststop"};

// config-linux.md#namespaces: every type oci::parse_config accepts.
constexpr std::string_view kNamespaces[] = {"cgroup", "ipc",  "mount", "network",
                                            "pid",    "time", "user",  "uts"};

// Every capability Linux defines up to 6.x; config.md#linux-process names them with "CAP_".
constexpr std::string_view kCapabilities[] = {
    "CAP_CHOWN",          "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",         "CAP_KILL",           "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",      "CAP_NET_RAW",        "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",     "CAP_SYS_RAWIO",      "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",      "CAP_SYS_ADMIN",      "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",   "CAP_SYS_TIME",       "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",          "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",      "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",     "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

// features-linux.md#cgroup: the cgroupfs driver handles v1, v2 and hybrid hosts, the
// systemd driver transient scopes on the system bus (src/cgroup/).
struct CgroupSupport {
    bool v1 = true;
    bool v2 = true;
    bool systemd = true;
    bool systemd_user = false;
    bool rdma = true;
};
constexpr CgroupSupport kCgroup{};

// The rest of features-linux.md, each off until implemented.
constexpr bool kApparmorEnabled = true;  // applied when the host enables it (runtime/lsm.cpp)
constexpr bool kSelinuxEnabled = true;   // likewise
constexpr bool kIntelRdtEnabled = false;
constexpr bool kIdmapMountsEnabled = true;  // mountExtensions.idmap (runtime/idmapped_mounts.cpp)
constexpr bool kNetDevicesEnabled = false;

template <typename Names>
void strings(json::Writer& w, std::string_view key, const Names& values) {
    w.key(key).begin_array();
    for (std::string_view v : values) w.string(v);
    w.end_array();
}

void enabled(json::Writer& w, std::string_view key, bool on) {
    w.key(key).begin_object().key("enabled").boolean(on).end_object();
}

void write_linux(json::Writer& w) {
    w.key("linux").begin_object();
    strings(w, "namespaces", kNamespaces);
    strings(w, "capabilities", kCapabilities);
    w.key("cgroup").begin_object()
        .key("v1").boolean(kCgroup.v1)
        .key("v2").boolean(kCgroup.v2)
        .key("systemd").boolean(kCgroup.systemd)
        .key("systemdUser").boolean(kCgroup.systemd_user)
        .key("rdma").boolean(kCgroup.rdma)
        .end_object();
    // features-linux.md#seccomp: the lists come from the compiler itself (src/sys/seccomp.hpp);
    // supportedFlags is what this kernel accepts, probed without installing a filter.
    w.key("seccomp").begin_object().key("enabled").boolean(true);
    strings(w, "actions", sys::supported_seccomp_actions());
    strings(w, "operators", sys::supported_seccomp_operators());
    strings(w, "archs", sys::supported_seccomp_archs());
    strings(w, "knownFlags", sys::known_seccomp_flags());
    w.key("supportedFlags").begin_array();
    for (const auto& f : sys::kernel_supported_seccomp_flags()) w.string(f);
    w.end_array();
    w.end_object();
    enabled(w, "apparmor", kApparmorEnabled);
    enabled(w, "selinux", kSelinuxEnabled);
    enabled(w, "intelRdt", kIntelRdtEnabled);
    w.key("mountExtensions").begin_object();
    enabled(w, "idmap", kIdmapMountsEnabled);
    w.end_object();
    enabled(w, "netDevices", kNetDevicesEnabled);
    w.end_object();
}

}  // namespace

std::string features_json(const CheckpointSupport* checkpoint) {
    json::Writer w(/*pretty=*/true);
    w.begin_object();
    w.key("ociVersionMin").string(kOciVersionMin);
    w.key("ociVersionMax").string(kOciVersionMax);
    strings(w, "hooks", kHooks);
    strings(w, "mountOptions", sys::known_mount_options());
    write_linux(w);
    const scmp_version* seccomp = seccomp_version();
    w.key("annotations").begin_object()
        .key("berth.commit").string(BERTH_COMMIT)
        .key("berth.version").string(BERTH_VERSION)
        // The key runc uses, so tools that read it for runc read it for berth too.
        .key("io.github.seccomp.libseccomp.version")
        .string(fmt::format("{}.{}.{}", seccomp->major, seccomp->minor, seccomp->micro));
    // features.md has no field for checkpointing; runc says it in this annotation (always
    // "true" there). berth says whether `criu check` passes on this host for this boot,
    // and in berth.checkpoint.criu the CRIU version or the reason it cannot work.
    if (checkpoint) {
        w.key("org.opencontainers.runc.checkpoint.enabled").string(checkpoint->usable ? "true" : "false");
        w.key("berth.checkpoint.criu").string(checkpoint->detail);
    }
    w.end_object();
    w.end_object();
    return w.str();
}

}  // namespace berth::cli
