#include "cgroup/oom_watch.hpp"

#include "cgroup/fs_io.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fmt/format.h>

namespace berth::cgroup {

namespace {

// The oom_kill counter of a memory.events text ("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n").
std::uint64_t oom_kill_of(const std::string& text) {
    const std::string key = "oom_kill ";
    for (std::size_t at = 0; at < text.size();) {
        std::size_t end = text.find('\n', at);
        if (end == std::string::npos) end = text.size();
        if (text.compare(at, key.size(), key) == 0) {
            std::uint64_t n = 0;
            std::from_chars(text.data() + at + key.size(), text.data() + end, n);
            return n;
        }
        at = end + 1;
    }
    return 0;
}

}  // namespace

OomWatch::OomWatch(bool v2, std::string dir, UniqueFd fd, UniqueFd oom_control, std::uint64_t last)
    : v2_(v2), dir_(std::move(dir)), fd_(std::move(fd)), oom_control_(std::move(oom_control)), last_(last) {}

OomWatch OomWatch::v1(const std::string& memory_dir) {
    const std::string control = memory_dir + "/memory.oom_control";
    UniqueFd oom_control(fsio::open(control, O_RDONLY | O_CLOEXEC));
    if (!oom_control) throw_errno("open \"{}\"", control);
    UniqueFd event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!event) throw_errno("eventfd");
    // cgroup-v1/memory.rst "Memory thresholds": "<event fd> <target fd>" registers the eventfd.
    fsio::write(memory_dir, "cgroup.event_control", fmt::format("{} {}", event.get(), oom_control.get()), false);
    return OomWatch(false, memory_dir, std::move(event), std::move(oom_control), 0);
}

OomWatch OomWatch::v2(const std::string& cgroup_dir) {
    const std::string events = cgroup_dir + "/memory.events";
    UniqueFd in(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!in) throw_errno("inotify_init1");
    if (::inotify_add_watch(in.get(), events.c_str(), IN_MODIFY) < 0) throw_errno("inotify \"{}\"", events);
    // Watch first, then read: a kill between the two is counted now or notified later.
    const std::uint64_t now = oom_kill_of(fsio::read(events));
    return OomWatch(true, cgroup_dir, std::move(in), UniqueFd(), now);
}

std::optional<std::uint64_t> OomWatch::consume() {
    if (!v2_) {
        std::uint64_t count = 0;
        if (::read(fd_.get(), &count, sizeof count) < 0) {
            if (errno != EAGAIN) throw_errno("read oom eventfd of \"{}\"", dir_);
            return 0;
        }
        // Removal of the cgroup signals the eventfd too; only a live cgroup's signal is an OOM.
        if (!fsio::exists(dir_ + "/cgroup.event_control")) return std::nullopt;
        return count;
    }
    // Drain the queued events; IN_IGNORED means the watched file (the cgroup) is gone.
    alignas(inotify_event) char buf[4096];
    bool gone = false;
    for (;;) {
        const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EAGAIN) break;
            throw_errno("read inotify of \"{}\"", dir_);
        }
        for (ssize_t at = 0; at < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + at);
            if (ev->mask & IN_IGNORED) gone = true;
            at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
    }
    auto text = fsio::read_if_exists(dir_ + "/memory.events");
    if (gone || !text) return std::nullopt;
    const std::uint64_t now = oom_kill_of(*text);
    const std::uint64_t delta = now > last_ ? now - last_ : 0;
    last_ = now;
    return delta;
}

}  // namespace berth::cgroup
