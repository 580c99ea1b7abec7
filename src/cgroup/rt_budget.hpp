// Realtime budgets of berth's own parent cgroups (cgroup v1 cpu.rt_runtime_us). A new cgroup
// gets no realtime runtime, and the kernel refuses a child more than its parent has, so a
// container asking for `cpu.realtimeRuntime` under "/berth/<id>" fails unless "/berth" has
// budget. berth gives the parents in its own tree ("/berth" and below) what their children
// need when the container's write is refused, and takes it back when the container goes.
// Parents outside that tree (the machine's own cgroups) are never written. Runs in the parent.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace berth::cgroup {

struct RtShare {
    std::uint64_t period = 0;  // µs, cpu.rt_period_us
    std::uint64_t runtime = 0;  // µs, cpu.rt_runtime_us
};

// The least runtime a parent with `parent_period` needs so that `children` fit in it, as
// the kernel's __rt_schedulable() counts: the sum of each child's runtime/period in 20-bit
// fixed point (to_ratio) must not exceed the parent's. Pure.
std::uint64_t rt_runtime_needed(std::uint64_t parent_period, const std::vector<RtShare>& children);

// The directories between `mount` and `path` (both excluded) that are berth's own:
// "/berth" and anything below it, closest to `path` first. Pure.
std::vector<std::string> own_rt_parents(const std::string& mount, const std::string& path);

// Raises the runtime of the own parents of `path` (a cpu cgroup directory) so that it can
// take `runtime` µs over its current period. Returns false when no own parent needed more
// (the refusal has another cause). Throws berth::Error when a parent cannot get it: its own
// parent, outside berth's tree, has no budget left.
bool grant_rt_budget(const std::string& mount, const std::string& path, std::uint64_t runtime);

// Before `path` (a cpu cgroup of berth's tree) is removed: sets its runtime to 0 and lowers
// its own parents to what their children then need. Never throws; a failure is logged.
void release_rt_budget(const std::string& mount, const std::string& path) noexcept;

}  // namespace berth::cgroup
