// The OCI runtime-spec v1.3 configuration (config.json) as typed, validated data.
//
// Pure data: no Linux calls. Field names follow the JSON names of config.md and
// config-linux.md. An optional JSON member is std::optional (or an empty container
// or string where the spec gives "absent" and "empty" the same meaning). Enum-like
// strings are kept as strings; validation in parse_config() guarantees they hold
// one of the values the spec lists, so later stages may map them without checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::oci {

inline constexpr const char* kSpecVersion = "1.3.0";

struct IdMapping {
    std::uint32_t container_id = 0;  // "containerID"
    std::uint32_t host_id = 0;       // "hostID"
    std::uint32_t size = 0;
    bool operator==(const IdMapping&) const = default;
};

// config.md#root
struct Root {
    std::string path;
    bool readonly = false;
    bool operator==(const Root&) const = default;
};

// config.md#mounts
struct Mount {
    std::string destination;
    std::string type;
    std::string source;
    std::vector<std::string> options;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
    bool operator==(const Mount&) const = default;
};

struct ConsoleSize {
    std::uint32_t height = 0;
    std::uint32_t width = 0;
    bool operator==(const ConsoleSize&) const = default;
};

// config.md#user
struct User {
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::optional<std::uint32_t> umask;
    std::vector<std::uint32_t> additional_gids;
    bool operator==(const User&) const = default;
};

// config.md#linux-process: five capability sets of "CAP_*" names.
struct Capabilities {
    std::vector<std::string> bounding;
    std::vector<std::string> effective;
    std::vector<std::string> inheritable;
    std::vector<std::string> permitted;
    std::vector<std::string> ambient;
    bool operator==(const Capabilities&) const = default;
};

struct Rlimit {
    std::string type;  // "RLIMIT_*"
    std::uint64_t hard = 0;
    std::uint64_t soft = 0;
    bool operator==(const Rlimit&) const = default;
};

struct Scheduler {
    std::string policy;  // "SCHED_*"
    std::int32_t nice = 0;
    std::int32_t priority = 0;
    std::vector<std::string> flags;  // "SCHED_FLAG_*"
    std::uint64_t runtime = 0;
    std::uint64_t deadline = 0;
    std::uint64_t period = 0;
    bool operator==(const Scheduler&) const = default;
};

struct IoPriority {
    std::string io_class;  // "class": IOPRIO_CLASS_RT|BE|IDLE
    std::int32_t priority = 0;
    bool operator==(const IoPriority&) const = default;
};

struct CpuAffinity {
    std::string initial;
    std::string final_;  // "final"
    bool operator==(const CpuAffinity&) const = default;
};

// config.md#process; also the document `exec --process` reads.
struct Process {
    bool terminal = false;
    std::optional<ConsoleSize> console_size;
    User user;
    std::vector<std::string> args;
    std::string command_line;  // Windows only; kept so it round-trips
    std::vector<std::string> env;
    std::string cwd;
    std::optional<Capabilities> capabilities;
    std::vector<Rlimit> rlimits;
    bool no_new_privileges = false;
    std::string apparmor_profile;
    std::optional<std::int32_t> oom_score_adj;
    std::optional<Scheduler> scheduler;
    std::string selinux_label;
    std::optional<IoPriority> io_priority;
    std::optional<CpuAffinity> exec_cpu_affinity;
    bool operator==(const Process&) const = default;
};

// config.md#posix-platform-hooks
struct Hook {
    std::string path;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::optional<std::int32_t> timeout;  // seconds, > 0
    // "env" was present (even empty): then it is the hook's whole environment; absent, the
    // hook gets the runtime's (runc and crun; the spec is silent). See runtime/hooks.hpp.
    bool env_given = false;
    bool has_env() const { return env_given || !env.empty(); }
    bool operator==(const Hook& o) const {
        return path == o.path && args == o.args && env == o.env && timeout == o.timeout && has_env() == o.has_env();
    }
};

struct Hooks {
    std::vector<Hook> prestart;  // deprecated, still run
    std::vector<Hook> create_runtime;
    std::vector<Hook> create_container;
    std::vector<Hook> start_container;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
    bool operator==(const Hooks&) const = default;
};

enum class NamespaceType { pid, network, mount, ipc, uts, user, cgroup, time };

struct Namespace {
    NamespaceType type = NamespaceType::pid;
    std::string path;
    bool operator==(const Namespace&) const = default;
};

// config-linux.md#devices
struct Device {
    std::string type;  // c, b, u or p
    std::string path;
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::optional<std::uint32_t> file_mode;
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    bool operator==(const Device&) const = default;
};

struct NetDevice {
    std::string name;
    bool operator==(const NetDevice&) const = default;
};

struct DeviceCgroupRule {
    bool allow = false;
    std::string type;  // a, c or b; empty means "a"
    std::optional<std::int64_t> major;
    std::optional<std::int64_t> minor;
    std::string access;  // subset of "rwm"
    bool operator==(const DeviceCgroupRule&) const = default;
};

struct Memory {
    std::optional<std::int64_t> limit;
    std::optional<std::int64_t> reservation;
    std::optional<std::int64_t> swap;
    std::optional<std::int64_t> kernel;      // deprecated
    std::optional<std::int64_t> kernel_tcp;  // deprecated
    std::optional<std::uint64_t> swappiness;
    std::optional<bool> disable_oom_killer;
    std::optional<bool> use_hierarchy;
    std::optional<bool> check_before_update;
    bool operator==(const Memory&) const = default;
};

struct Cpu {
    std::optional<std::uint64_t> shares;
    std::optional<std::int64_t> quota;
    std::optional<std::uint64_t> burst;
    std::optional<std::uint64_t> period;
    std::optional<std::int64_t> realtime_runtime;
    std::optional<std::uint64_t> realtime_period;
    std::string cpus;
    std::string mems;
    std::optional<std::int64_t> idle;
    bool operator==(const Cpu&) const = default;
};

struct Pids {
    std::optional<std::int64_t> limit;
    bool operator==(const Pids&) const = default;
};

struct WeightDevice {
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::optional<std::uint16_t> weight;
    std::optional<std::uint16_t> leaf_weight;
    bool operator==(const WeightDevice&) const = default;
};

struct ThrottleDevice {
    std::int64_t major = 0;
    std::int64_t minor = 0;
    std::uint64_t rate = 0;
    bool operator==(const ThrottleDevice&) const = default;
};

struct BlockIo {
    std::optional<std::uint16_t> weight;
    std::optional<std::uint16_t> leaf_weight;
    std::vector<WeightDevice> weight_device;
    std::vector<ThrottleDevice> throttle_read_bps_device;
    std::vector<ThrottleDevice> throttle_write_bps_device;
    std::vector<ThrottleDevice> throttle_read_iops_device;
    std::vector<ThrottleDevice> throttle_write_iops_device;
    bool operator==(const BlockIo&) const = default;
};

struct HugepageLimit {
    std::string page_size;  // "pageSize", e.g. "2MB" or "2MB.rsvd"
    std::uint64_t limit = 0;
    bool operator==(const HugepageLimit&) const = default;
};

struct InterfacePriority {
    std::string name;
    std::uint32_t priority = 0;
    bool operator==(const InterfacePriority&) const = default;
};

struct Network {
    std::optional<std::uint32_t> class_id;
    std::vector<InterfacePriority> priorities;
    bool operator==(const Network&) const = default;
};

struct Rdma {
    std::optional<std::uint32_t> hca_handles;
    std::optional<std::uint32_t> hca_objects;
    bool operator==(const Rdma&) const = default;
};

// config-linux.md#control-groups
struct Resources {
    std::vector<DeviceCgroupRule> devices;
    std::optional<Memory> memory;
    std::optional<Cpu> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIo> block_io;
    std::vector<HugepageLimit> hugepage_limits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;
    std::map<std::string, std::string> unified;
    bool operator==(const Resources&) const = default;
};

struct IntelRdt {
    std::string clos_id;
    std::vector<std::string> schemata;
    std::string l3_cache_schema;
    std::string mem_bw_schema;
    bool enable_monitoring = false;
    bool operator==(const IntelRdt&) const = default;
};

struct MemoryPolicy {
    std::string mode;  // "MPOL_*"
    std::string nodes;
    std::vector<std::string> flags;  // "MPOL_F_*"
    bool operator==(const MemoryPolicy&) const = default;
};

struct SeccompArg {
    std::uint32_t index = 0;
    std::uint64_t value = 0;
    std::uint64_t value_two = 0;
    std::string op;  // "SCMP_CMP_*"
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompSyscall {
    std::vector<std::string> names;
    std::string action;  // "SCMP_ACT_*"
    std::optional<std::uint32_t> errno_ret;
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

// config-linux.md#seccomp
struct Seccomp {
    std::string default_action;
    std::optional<std::uint32_t> default_errno_ret;
    std::vector<std::string> architectures;  // "SCMP_ARCH_*"
    std::vector<std::string> flags;          // "SECCOMP_FILTER_FLAG_*"
    std::string listener_path;
    std::string listener_metadata;
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

struct Personality {
    std::string domain;  // LINUX or LINUX32
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

struct TimeOffset {
    std::int64_t secs = 0;
    std::uint32_t nanosecs = 0;
    bool operator==(const TimeOffset&) const = default;
};

// config-linux.md
struct LinuxConfig {
    std::vector<Namespace> namespaces;
    std::vector<IdMapping> uid_mappings;
    std::vector<IdMapping> gid_mappings;
    std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
    std::vector<Device> devices;
    std::map<std::string, NetDevice> net_devices;
    std::string cgroups_path;
    std::optional<Resources> resources;
    std::optional<IntelRdt> intel_rdt;
    std::optional<MemoryPolicy> memory_policy;
    std::map<std::string, std::string> sysctl;
    std::optional<Seccomp> seccomp;
    std::string rootfs_propagation;
    std::vector<std::string> masked_paths;
    std::vector<std::string> readonly_paths;
    std::string mount_label;
    std::optional<Personality> personality;
    bool operator==(const LinuxConfig&) const = default;

    bool has_namespace(NamespaceType type) const;
    const Namespace* find_namespace(NamespaceType type) const;
};

// config.md: the whole document.
struct Config {
    std::string oci_version;
    std::optional<Root> root;
    std::vector<Mount> mounts;
    std::optional<Process> process;
    std::string hostname;
    std::string domainname;
    std::optional<Hooks> hooks;
    std::map<std::string, std::string> annotations;
    std::optional<LinuxConfig> linux_;  // "linux"; `linux` is a GNU C++ macro
    bool operator==(const Config&) const = default;
};

const char* to_string(NamespaceType type);
std::optional<NamespaceType> namespace_type_from_string(std::string_view name);

}  // namespace berth::oci
