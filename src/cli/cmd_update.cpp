// berth update [options] <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <optional>

namespace berth::cli {
namespace {

struct ValueFlag {
    std::string_view names;
    std::string_view help;
    std::optional<std::string> runtime::UpdateOptions::*field;
};

// runc's individual flags. Values stay strings: the runtime parses them (memory takes
// units such as "512m", memory-swap takes -1), so it alone decides what is valid.
constexpr ValueFlag kValueFlags[] = {
    {"blkio-weight", "per-cgroup block IO weight, 10 to 1000", &runtime::UpdateOptions::blkio_weight},
    {"cpu-period", "CPU CFS period in microseconds (0: system default)",
     &runtime::UpdateOptions::cpu_period},
    {"cpu-quota", "CPU CFS quota in microseconds per period", &runtime::UpdateOptions::cpu_quota},
    {"cpu-burst", "CPU CFS burst in microseconds", &runtime::UpdateOptions::cpu_burst},
    {"cpu-share", "CPU shares (relative weight)", &runtime::UpdateOptions::cpu_shares},
    {"cpu-rt-period", "CPU realtime period in microseconds", &runtime::UpdateOptions::cpu_rt_period},
    {"cpu-rt-runtime", "CPU realtime runtime in microseconds per period",
     &runtime::UpdateOptions::cpu_rt_runtime},
    {"cpuset-cpus", "CPUs to use, e.g. 0-3,6", &runtime::UpdateOptions::cpuset_cpus},
    {"cpuset-mems", "memory nodes to use", &runtime::UpdateOptions::cpuset_mems},
    {"kernel-memory", "obsolete, accepted for compatibility", &runtime::UpdateOptions::kernel_memory},
    {"kernel-memory-tcp", "obsolete, accepted for compatibility",
     &runtime::UpdateOptions::kernel_memory_tcp},
    {"memory", "memory limit in bytes (units allowed: 512m, 2g)", &runtime::UpdateOptions::memory},
    {"memory-reservation", "memory soft limit in bytes", &runtime::UpdateOptions::memory_reservation},
    {"memory-swap", "memory plus swap limit in bytes; -1 for unlimited swap",
     &runtime::UpdateOptions::memory_swap},
    {"pids-limit", "maximum number of pids in the container", &runtime::UpdateOptions::pids_limit},
    {"l3-cache-schema", "Intel RDT/CAT L3 cache schema", &runtime::UpdateOptions::l3_cache_schema},
    {"mem-bw-schema", "Intel RDT/MBA memory bandwidth schema", &runtime::UpdateOptions::mem_bw_schema},
};

}  // namespace

CommandOptions parse_update(std::span<const std::string> args) {
    runtime::UpdateOptions options;
    FlagSet flags("berth update [options] <container-id>",
                  "Update the resource limits of a container. --resources reads a JSON\n"
                  "linux.resources object (config-linux.md#control-groups) from FILE or, with\n"
                  "\"-\", from standard input; a flag given as well overrides the file's value.");
    flags.string("resources,r", "FILE", options.resources_file,
                 "JSON file of resources to update, or - for standard input");
    for (const auto& flag : kValueFlags) {
        flags.value(flag.names, "VALUE", flag.help,
                    [&options, field = flag.field](std::string_view v) { options.*field = std::string(v); });
    }
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    return options;
}

int run_update(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::update(global, std::get<runtime::UpdateOptions>(options));
}

}  // namespace berth::cli
