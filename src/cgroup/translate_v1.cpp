// runtime-spec config-linux.md#control-groups on cgroup v1, file by file as runc 1.1 writes them.
#include "cgroup/translate.hpp"

#include "cgroup/translate_builder.hpp"

#include "util/error.hpp"

#include <fmt/format.h>

namespace berth::cgroup {

namespace {

using detail::Builder;
using detail::kRes;

// v1 memory files take "-1" for unlimited (page_counter_memparse), not "max".
std::string v1_bytes(std::int64_t value) { return value < 0 ? "-1" : std::to_string(value); }


void memory_v1(Builder& b, const oci::Memory& m) {
    const std::string f = fmt::format("{}.memory", kRes);
    // The limit goes before memory+swap: on a new cgroup both are "max", and the kernel wants
    // memsw >= limit at every step. An update that raises the limit above the current memsw
    // retries the limit after the memsw (Setting::retry_after), as runc orders them.
    // runc treats 0 as "not set" for these byte limits; so do we.
    const std::int64_t limit = m.limit.value_or(0);
    std::int64_t swap = m.swap.value_or(0);
    const bool explicit_swap = swap != 0;
    // runc: a limit of -1 with no swap given means "unlimited memory", so memsw goes to -1 too.
    if (limit == -1 && swap == 0) swap = -1;
    // The kernel says only EINVAL (runc passes that on); name the two values instead.
    if (swap > 0 && (limit < 0 || swap < limit)) {
        throw_error("{}.swap: memory+swap limit {} is below the memory limit {}", f, swap,
                    limit < 0 ? std::string("-1 (unlimited)") : std::to_string(limit));
    }
    if (limit != 0) b.add("memory", "memory.limit_in_bytes", v1_bytes(limit), f + ".limit");
    // A limit above the memsw in place fails until the new memsw is written.
    if (limit != 0 && swap != 0) b.last().retry_after = "memory.memsw.limit_in_bytes";
    if (swap != 0) {
        b.add("memory", "memory.memsw.limit_in_bytes", v1_bytes(swap), f + ".swap");
        // Without swap accounting the file is absent; only an explicit swap is an error then.
        b.last().optional = !explicit_swap;
    }
    if (m.reservation && *m.reservation != 0) {
        b.add("memory", "memory.soft_limit_in_bytes", v1_bytes(*m.reservation), f + ".reservation");
    }
    if (m.kernel) {
        // Kernel memory limits were deprecated in 5.4 and do nothing since 6.1; runc 1.1 ignores them.
        b.out().warnings.push_back(f + ".kernel: kernel memory limits are not supported; ignored");
    }
    // runc 1.1.5 ignores kernelTCP as well (checked side by side: memory.kmem.tcp stays
    // unlimited); so do we, with the same warning.
    if (m.kernel_tcp && *m.kernel_tcp != 0) {
        b.out().warnings.push_back(f + ".kernelTCP: kernel memory limits are not supported; ignored");
    }
    if (m.swappiness) {
        if (*m.swappiness > 100) throw_error("{}.swappiness: {} is out of range 0..100", f, *m.swappiness);
        b.add("memory", "memory.swappiness", std::to_string(*m.swappiness), f + ".swappiness");
    }
    if (m.disable_oom_killer.value_or(false)) b.add("memory", "memory.oom_control", "1", f + ".disableOOMKiller");
    if (m.use_hierarchy) b.add("memory", "memory.use_hierarchy", *m.use_hierarchy ? "1" : "0", f + ".useHierarchy");
    // runtime-spec config-linux.md#memory checkBeforeUpdate. A v1 kernel would first reclaim
    // (into swap, or the page cache) to meet the new limit and only fail with EBUSY if it
    // cannot, so the check is ours here too (runc 1.1 does not know the field).
    if (m.check_before_update.value_or(false) && limit > 0) b.out().check_memory_below_usage = limit;
}

void cpu_v1(Builder& b, const oci::Cpu& c) {
    const std::string f = fmt::format("{}.cpu", kRes);
    if (c.shares && *c.shares != 0) b.add("cpu", "cpu.shares", std::to_string(*c.shares), f + ".shares");
    // Period before quota, quota before burst (runc's order). Under a parent with a quota,
    // the old quota over a shorter new period can exceed the parent's share, and a new
    // quota below the burst in place is refused: each then goes again after the other.
    const bool quota = c.quota && *c.quota != 0;
    if (c.period && *c.period != 0) {
        b.add("cpu", "cpu.cfs_period_us", std::to_string(*c.period), f + ".period");
        if (quota) b.last().retry_after = "cpu.cfs_quota_us";
    }
    if (quota) {
        b.add("cpu", "cpu.cfs_quota_us", std::to_string(*c.quota < 0 ? -1 : *c.quota), f + ".quota");
        if (c.burst) b.last().retry_after = "cpu.cfs_burst_us";
    }
    if (c.burst) b.add("cpu", "cpu.cfs_burst_us", std::to_string(*c.burst), f + ".burst");
    // The rt period before the runtime, which must fit in it (runc's order); a period too
    // short for the runtime in place goes again after the runtime.
    const bool rt_runtime = c.realtime_runtime && *c.realtime_runtime != 0;
    if (c.realtime_period && *c.realtime_period != 0) {
        b.add("cpu", "cpu.rt_period_us", std::to_string(*c.realtime_period), f + ".realtimePeriod");
        if (rt_runtime) b.last().retry_after = "cpu.rt_runtime_us";
    }
    // The kernel says only EINVAL for a runtime longer than its period: name it here.
    if (c.realtime_runtime && c.realtime_period && *c.realtime_runtime > 0 && *c.realtime_period != 0 &&
        static_cast<std::uint64_t>(*c.realtime_runtime) > *c.realtime_period) {
        throw_error("{}.realtimeRuntime: {} is longer than realtimePeriod {}", f, *c.realtime_runtime, *c.realtime_period);
    }
    if (c.realtime_runtime && *c.realtime_runtime != 0) {
        b.add("cpu", "cpu.rt_runtime_us", std::to_string(*c.realtime_runtime), f + ".realtimeRuntime");
    }
    if (c.idle) b.add("cpu", "cpu.idle", std::to_string(*c.idle), f + ".idle");
    if (!c.cpus.empty()) b.add("cpuset", "cpuset.cpus", c.cpus, f + ".cpus");
    if (!c.mems.empty()) b.add("cpuset", "cpuset.mems", c.mems, f + ".mems");
}

void blkio_v1(Builder& b, const oci::BlockIo& io) {
    const std::string f = fmt::format("{}.blockIO", kRes);
    // With the BFQ scheduler (CFQ is gone since 5.0) only blkio.bfq.weight exists; runc
    // writes whichever is present, which `fallback` expresses.
    // 0 means "not set" (Docker always sends the field), as runc reads it.
    if (io.weight && *io.weight != 0) {
        b.add("blkio", "blkio.weight", std::to_string(*io.weight), f + ".weight");
        b.last().fallback = "blkio.bfq.weight";
    }
    if (io.leaf_weight && *io.leaf_weight != 0) b.add("blkio", "blkio.leaf_weight", std::to_string(*io.leaf_weight), f + ".leafWeight");
    for (std::size_t i = 0; i < io.weight_device.size(); ++i) {
        const auto& d = io.weight_device[i];
        const std::string df = fmt::format("{}.weightDevice[{}]", f, i);
        if (d.weight && *d.weight != 0) {
            b.add("blkio", "blkio.weight_device", fmt::format("{}:{} {}", d.major, d.minor, *d.weight), df + ".weight");
            b.last().fallback = "blkio.bfq.weight_device";
        }
        if (d.leaf_weight && *d.leaf_weight != 0) {
            b.add("blkio", "blkio.leaf_weight_device", fmt::format("{}:{} {}", d.major, d.minor, *d.leaf_weight),
                  df + ".leafWeight");
        }
    }
    auto throttle = [&](const std::vector<oci::ThrottleDevice>& list, const char* file, const char* name) {
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto& d = list[i];
            b.add("blkio", file, fmt::format("{}:{} {}", d.major, d.minor, d.rate), fmt::format("{}.{}[{}]", f, name, i));
        }
    };
    throttle(io.throttle_read_bps_device, "blkio.throttle.read_bps_device", "throttleReadBpsDevice");
    throttle(io.throttle_write_bps_device, "blkio.throttle.write_bps_device", "throttleWriteBpsDevice");
    throttle(io.throttle_read_iops_device, "blkio.throttle.read_iops_device", "throttleReadIOPSDevice");
    throttle(io.throttle_write_iops_device, "blkio.throttle.write_iops_device", "throttleWriteIOPSDevice");
}

void hugetlb_v1(Builder& b, const std::vector<oci::HugepageLimit>& limits) {
    for (std::size_t i = 0; i < limits.size(); ++i) {
        const auto& h = limits[i];
        const std::string f = fmt::format("{}.hugepageLimits[{}]", kRes, i);
        if (h.page_size.empty() || h.page_size.find('/') != std::string::npos) {
            throw_error("{}.pageSize: invalid page size \"{}\"", f, h.page_size);
        }
        const std::string value = std::to_string(h.limit);
        b.add("hugetlb", fmt::format("hugetlb.{}.limit_in_bytes", h.page_size), value, f);
        // runtime-spec: limit the reservations too where the kernel supports it (5.7+).
        if (h.page_size.find(".rsvd") == std::string::npos) {
            b.add("hugetlb", fmt::format("hugetlb.{}.rsvd.limit_in_bytes", h.page_size), value, f);
            b.last().optional = true;
        }
    }
}

void network_v1(Builder& b, const oci::Network& n) {
    const std::string f = fmt::format("{}.network", kRes);
    if (n.class_id) b.add("net_cls", "net_cls.classid", std::to_string(*n.class_id), f + ".classID");
    for (std::size_t i = 0; i < n.priorities.size(); ++i) {
        const auto& p = n.priorities[i];
        b.add("net_prio", "net_prio.ifpriomap", fmt::format("{} {}", p.name, p.priority),
              fmt::format("{}.priorities[{}]", f, i));
    }
}

void devices_v1(Builder& b, const std::vector<oci::DeviceCgroupRule>& rules) {
    if (rules.empty()) return;
    // No files here: what to write depends on the cgroup's current devices.list, which the
    // driver compares with the policy these rules make (devices_v1.hpp).
    b.out().device_rules = device_rules_from_oci(rules);
    b.out().devices_requested = true;
}

}  // namespace

std::string limit_value(std::int64_t value) { return value < 0 ? "max" : std::to_string(value); }

Translation translate_v1(const oci::Resources& r) {
    Translation t;
    Builder b(t);
    devices_v1(b, r.devices);
    if (r.memory) memory_v1(b, *r.memory);
    if (r.cpu) cpu_v1(b, *r.cpu);
    // runtime-spec config-linux.md#pids: -1 is "max", and 0 is a real limit of zero tasks.
    if (r.pids && r.pids->limit) b.add("pids", "pids.max", limit_value(*r.pids->limit), fmt::format("{}.pids.limit", kRes));
    if (r.block_io) blkio_v1(b, *r.block_io);
    hugetlb_v1(b, r.hugepage_limits);
    if (r.network) network_v1(b, *r.network);
    for (const auto& [device, limit] : r.rdma) {
        std::string value = device;
        if (limit.hca_handles) value += fmt::format(" hca_handle={}", *limit.hca_handles);
        if (limit.hca_objects) value += fmt::format(" hca_object={}", *limit.hca_objects);
        b.add("rdma", "rdma.max", value, fmt::format("{}.rdma[\"{}\"]", kRes, device));
    }
    if (!r.unified.empty()) {
        throw_error("{}.unified: cgroup v2 keys cannot be applied: the host uses cgroup v1", kRes);
    }
    return t;
}

}  // namespace berth::cgroup
