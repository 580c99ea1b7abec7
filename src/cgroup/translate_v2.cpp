// runtime-spec config-linux.md#control-groups on cgroup v2 (the unified hierarchy), with the
// v1-shaped fields converted as runc 1.1 converts them.
#include "cgroup/translate.hpp"

#include "cgroup/translate_builder.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace berth::cgroup {

namespace {

using detail::Builder;
using detail::kRes;

void memory_v2(Builder& b, const oci::Memory& m) {
    const std::string f = fmt::format("{}.memory", kRes);
    const std::int64_t limit = m.limit.value_or(0);
    const std::int64_t swap = swap_to_v2(m.swap.value_or(0), limit);
    if (limit != 0) b.add("memory", "memory.max", limit_value(limit), f + ".limit");
    if (swap != 0) b.add("memory", "memory.swap.max", limit_value(swap), f + ".swap");
    if (m.reservation && *m.reservation != 0) b.add("memory", "memory.low", limit_value(*m.reservation), f + ".reservation");
    if (m.kernel) b.out().warnings.push_back(f + ".kernel: kernel memory limits are not supported; ignored");
    if (m.kernel_tcp && *m.kernel_tcp != 0) throw_error("{}.kernelTCP: not supported on cgroup v2", f);
    if (m.swappiness) throw_error("{}.swappiness: not supported on cgroup v2", f);
    if (m.disable_oom_killer.value_or(false)) throw_error("{}.disableOOMKiller: not supported on cgroup v2", f);
    // v2 accounting is always hierarchical: true is already the case, false cannot be had.
    if (m.use_hierarchy && !*m.use_hierarchy) throw_error("{}.useHierarchy: cgroup v2 is always hierarchical", f);
    if (m.check_before_update.value_or(false) && limit > 0) b.out().check_memory_below_usage = limit;
}

void cpu_v2(Builder& b, const oci::Cpu& c) {
    const std::string f = fmt::format("{}.cpu", kRes);
    if (c.idle) b.add("cpu", "cpu.idle", std::to_string(*c.idle), f + ".idle");
    // An idle cgroup has the minimum weight by definition; runc writes no weight then.
    const bool idle = c.idle && *c.idle != 0;
    if (!idle && c.shares && *c.shares != 0) {
        b.add("cpu", "cpu.weight", std::to_string(cpu_shares_to_weight(*c.shares)), f + ".shares");
    }
    const std::int64_t quota = c.quota.value_or(0);
    const std::uint64_t period = c.period.value_or(0);
    if (quota != 0 || period != 0) {
        // cpu.max is "$MAX $PERIOD"; without a period the kernel keeps the current one.
        std::string value = quota > 0 ? std::to_string(quota) : "max";
        if (period != 0) value = fmt::format("{} {}", value, period);
        b.add("cpu", "cpu.max", value, f + (quota != 0 ? ".quota" : ".period"));
        // A quota below the burst in place is refused until the new burst is written.
        if (c.burst) b.last().retry_after = "cpu.max.burst";
    }
    if (c.burst) b.add("cpu", "cpu.max.burst", std::to_string(*c.burst), f + ".burst");
    if (c.realtime_runtime.value_or(0) != 0) throw_error("{}.realtimeRuntime: not supported on cgroup v2", f);
    if (c.realtime_period.value_or(0) != 0) throw_error("{}.realtimePeriod: not supported on cgroup v2", f);
    if (!c.cpus.empty()) b.add("cpuset", "cpuset.cpus", c.cpus, f + ".cpus");
    if (!c.mems.empty()) b.add("cpuset", "cpuset.mems", c.mems, f + ".mems");
}

void io_max(Builder& b, const oci::BlockIo& io) {
    // io.max takes all four limits of one device in one line, "8:0 rbps=1 wbps=2 riops=3 wiops=4".
    struct Line { std::int64_t major, minor; std::string keys; };
    std::vector<Line> lines;
    auto add = [&](const std::vector<oci::ThrottleDevice>& list, const char* key) {
        for (const auto& d : list) {
            auto it = std::find_if(lines.begin(), lines.end(),
                                   [&](const Line& l) { return l.major == d.major && l.minor == d.minor; });
            if (it == lines.end()) it = lines.insert(lines.end(), Line{d.major, d.minor, {}});
            it->keys += fmt::format(" {}={}", key, d.rate);
        }
    };
    add(io.throttle_read_bps_device, "rbps");
    add(io.throttle_write_bps_device, "wbps");
    add(io.throttle_read_iops_device, "riops");
    add(io.throttle_write_iops_device, "wiops");
    for (const auto& l : lines) {
        b.add("io", "io.max", fmt::format("{}:{}{}", l.major, l.minor, l.keys), fmt::format("{}.blockIO.throttle", kRes));
    }
}

void io_v2(Builder& b, const oci::BlockIo& io) {
    const std::string f = fmt::format("{}.blockIO", kRes);
    // BFQ takes the v1 weight range (1..1000) as is; io.weight (iocost) takes 1..10000, so it
    // gets the converted value when BFQ is not the scheduler (runc's order of preference).
    if (io.weight && *io.weight != 0) {
        b.add("io", "io.bfq.weight", std::to_string(*io.weight), f + ".weight");
        b.last().fallback = "io.weight";
        b.last().fallback_value = std::to_string(blkio_weight_to_io_weight(*io.weight));
    }
    if (io.leaf_weight.value_or(0) != 0) throw_error("{}.leafWeight: not supported on cgroup v2", f);
    for (std::size_t i = 0; i < io.weight_device.size(); ++i) {
        const auto& d = io.weight_device[i];
        const std::string df = fmt::format("{}.weightDevice[{}]", f, i);
        if (d.leaf_weight.value_or(0) != 0) throw_error("{}.leafWeight: not supported on cgroup v2", df);
        if (d.weight.value_or(0) == 0) continue;
        b.add("io", "io.bfq.weight", fmt::format("{}:{} {}", d.major, d.minor, *d.weight), df + ".weight");
        b.last().fallback = "io.weight";
        b.last().fallback_value = fmt::format("{}:{} {}", d.major, d.minor, blkio_weight_to_io_weight(*d.weight));
    }
    io_max(b, io);
}

void hugetlb_v2(Builder& b, const std::vector<oci::HugepageLimit>& limits) {
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& h = limits[i];
        const std::string f = fmt::format("{}.hugepageLimits[{}]", kRes, i);
        if (h.page_size.empty() || h.page_size.find('/') != std::string::npos) {
            throw_error("{}.pageSize: invalid page size \"{}\"", f, h.page_size);
        }
        const std::string value = std::to_string(h.limit);
        b.add("hugetlb", fmt::format("hugetlb.{}.max", h.page_size), value, f);
        if (h.page_size.find(".rsvd") == std::string::npos) {
            b.add("hugetlb", fmt::format("hugetlb.{}.rsvd.max", h.page_size), value, f);
            b.last().optional = true;
        }
    }
}

void unified_v2(Builder& b, const std::map<std::string, std::string>& unified) {
    for (const auto& [key, value] : unified) {
        const std::string f = fmt::format("{}.unified[\"{}\"]", kRes, key);
        // A key names a file in the container's own directory, never a path out of it.
        const auto dot = key.find('.');
        if (key.find('/') != std::string::npos || dot == std::string::npos || dot == 0) {
            throw_error("{}: invalid cgroup v2 file name", f);
        }
        std::string controller = key.substr(0, dot);
        if (controller == "cgroup") controller.clear();  // core files need no controller
        b.out().settings.push_back({controller, key, value, f, {}, {}, false, {}});
    }
}

void devices_v2(Builder& b, const std::vector<oci::DeviceCgroupRule>& rules) {
    if (rules.empty()) return;
    b.out().device_rules = device_rules_from_oci(rules);
    b.out().devices_requested = true;
}

}  // namespace

std::uint64_t cpu_shares_to_weight(std::uint64_t shares) {
    if (shares == 0) return 0;
    // runc 1.1 libcontainer/cgroups/utils.go ConvertCPUSharesToCgroupV2Value: maps [2, 262144]
    // onto [1, 10000] linearly. Clamp first so out-of-range shares cannot wrap.
    shares = std::clamp<std::uint64_t>(shares, 2, 262144);
    return 1 + ((shares - 2) * 9999) / 262142;
}

std::uint64_t blkio_weight_to_io_weight(std::uint64_t weight) {
    if (weight == 0) return 0;
    // runc ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000].
    weight = std::clamp<std::uint64_t>(weight, 10, 1000);
    return 1 + (weight - 10) * 9999 / 990;
}

std::int64_t swap_to_v2(std::int64_t swap, std::int64_t limit) {
    const std::string f = fmt::format("{}.memory.swap", kRes);
    if (limit == -1 && swap == 0) return -1;
    if (swap == -1 || swap == 0) return swap;
    if (limit == 0 || limit == -1) throw_error("{}: a swap limit needs a memory limit on cgroup v2", f);
    if (limit < 0) throw_error("{}.memory.limit: invalid value {}", kRes, limit);
    if (swap < limit) throw_error("{}: memory+swap limit {} is below the memory limit {}", f, swap, limit);
    return swap - limit;
}

Translation translate_v2(const oci::Resources& r) {
    Translation t;
    Builder b(t);
    devices_v2(b, r.devices);
    if (r.memory) memory_v2(b, *r.memory);
    if (r.cpu) cpu_v2(b, *r.cpu);
    if (r.pids && r.pids->limit) b.add("pids", "pids.max", limit_value(*r.pids->limit), fmt::format("{}.pids.limit", kRes));
    if (r.block_io) io_v2(b, *r.block_io);
    hugetlb_v2(b, r.hugepage_limits);
    if (r.network && r.network->class_id) {
        throw_error("{}.network.classID: net_cls controller not available on cgroup v2", kRes);
    }
    if (r.network && !r.network->priorities.empty()) {
        throw_error("{}.network.priorities: net_prio controller not available on cgroup v2", kRes);
    }
    for (const auto& [device, limit] : r.rdma) {
        std::string value = device;
        if (limit.hca_handles) value += fmt::format(" hca_handle={}", *limit.hca_handles);
        if (limit.hca_objects) value += fmt::format(" hca_object={}", *limit.hca_objects);
        b.add("rdma", "rdma.max", value, fmt::format("{}.rdma[\"{}\"]", kRes, device));
    }
    // Last, so that a raw key overrides what the typed fields wrote (runc's order).
    unified_v2(b, r.unified);
    return t;
}

}  // namespace berth::cgroup
