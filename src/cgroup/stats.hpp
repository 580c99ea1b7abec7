// Resource usage for `events --stats`, shaped like runc's libcontainer/cgroups Stats so the
// runtime can print runc's events JSON ({"type":"stats","id":…,"data":{…}}). Runs in the parent.
// A field the host does not report stays zero (and an absent controller leaves its part empty).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace berth::cgroup {

struct CpuUsage {
    std::uint64_t total = 0;  // ns
    std::vector<std::uint64_t> percpu;
    std::uint64_t kernel = 0;  // ns
    std::uint64_t user = 0;    // ns
};

struct CpuThrottling {
    std::uint64_t periods = 0;
    std::uint64_t throttled_periods = 0;
    std::uint64_t throttled_time = 0;  // ns
};

struct CpuStats {
    CpuUsage usage;
    CpuThrottling throttling;
};

struct MemoryEntry {
    std::uint64_t limit = 0;
    std::uint64_t usage = 0;
    std::uint64_t max = 0;      // peak usage
    std::uint64_t failcnt = 0;
};

struct MemoryStats {
    std::uint64_t cache = 0;
    MemoryEntry usage;
    MemoryEntry swap;  // v1: memory+swap, as runc reports it; v2: swap alone
    MemoryEntry kernel;
    MemoryEntry kernel_tcp;
    std::uint64_t oom_kill = 0;  // also in raw["oom_kill"]
    std::map<std::string, std::uint64_t> raw;  // memory.stat
};

struct PidsStats {
    std::uint64_t current = 0;
    std::uint64_t limit = 0;  // 0: "max"
};

struct BlkioEntry {
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::string op;  // "Read", "Write", "Sync", "Async", "Discard", "Total"
    std::uint64_t value = 0;
};

struct BlkioStats {
    std::vector<BlkioEntry> io_service_bytes_recursive;
    std::vector<BlkioEntry> io_serviced_recursive;
};

struct HugetlbStats {
    std::uint64_t usage = 0;
    std::uint64_t max = 0;
    std::uint64_t failcnt = 0;
};

struct Stats {
    CpuStats cpu;
    MemoryStats memory;
    PidsStats pids;
    BlkioStats blkio;
    std::map<std::string, HugetlbStats> hugetlb;  // by page size, "2MB"
};

class Manager;

// The container's current usage; throws berth::Error when a control file cannot be read.
Stats read_stats(const Manager& manager);

// The "data" object of runc's stats event, field names as runc's types.Stats JSON tags.
std::string stats_to_json(const Stats& stats);

}  // namespace berth::cgroup
