// Notification of OOM events in a container's memory cgroup, for `berth events`. Parent only.
//
// v1 (runc's way): an eventfd registered through cgroup.event_control on memory.oom_control.
// The kernel signals it each time the cgroup runs out of memory, and once more when the
// cgroup is removed, which consume() tells apart by looking for the cgroup's files.
// v2: inotify on memory.events; the kernel sends IN_MODIFY when a counter changes, and
// consume() reports how far the oom_kill counter moved since the last look.
#pragma once

#include "util/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace berth::cgroup {

class OomWatch {
public:
    // Registers with the v1 memory cgroup at `memory_dir`; throws berth::Error naming the file.
    static OomWatch v1(const std::string& memory_dir);
    // Watches `cgroup_dir`/memory.events (any file with "oom_kill N" lines: tests use a
    // plain directory); throws berth::Error naming the file.
    static OomWatch v2(const std::string& cgroup_dir);

    // Non-blocking; poll(2) it for POLLIN. Owned by the watch.
    int fd() const { return fd_.get(); }
    // The number of OOM events since the last call: 0 when there is nothing new (it may be
    // called without POLLIN), nullopt once the cgroup is gone. Throws berth::Error on a
    // read failure.
    std::optional<std::uint64_t> consume();

private:
    OomWatch(bool v2, std::string dir, UniqueFd fd, UniqueFd oom_control, std::uint64_t last);

    bool v2_;
    std::string dir_;
    UniqueFd fd_;            // the eventfd (v1) or the inotify instance (v2)
    UniqueFd oom_control_;   // v1: the registration's target, open while registered
    std::uint64_t last_ = 0; // v2: oom_kill last seen
};

}  // namespace berth::cgroup
