// FsManager: freezing, signalling, listing pids and removal.
#include "cgroup/fs_io.hpp"
#include "cgroup/fs_manager.hpp"
#include "cgroup/rt_budget.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

namespace berth::cgroup {

namespace {

using std::chrono::milliseconds;

bool v2_frozen(const std::string& dir) {
    // cgroup.events: "populated 1\nfrozen 1\n"; cgroup.freeze only says what was asked.
    auto events = fsio::read_if_exists(dir + "/cgroup.events");
    return events && events->find("frozen 1") != std::string::npos;
}

}  // namespace

void FsManager::freeze_v1(const std::string& dir, bool frozen) const {
    const std::string want = frozen ? "FROZEN" : "THAWED";
    // The v1 freezer reports FREEZING until every task has stopped; a task in an
    // uninterruptible sleep can hold it there, and writing FROZEN again restarts the attempt
    // (runc does the same). Give up after ~2 s, thawing again so nothing is left half frozen.
    for (int attempt = 0; attempt < 400; ++attempt) {
        if (attempt % 50 == 0) fsio::write(dir, "freezer.state", want, emulated_);
        const std::string state = fsio::trim(fsio::read(dir + "/freezer.state"));
        if (state == want) return;
        std::this_thread::sleep_for(milliseconds(attempt < 10 ? 1 : 5));
    }
    if (frozen) {
        try {
            fsio::write(dir, "freezer.state", "THAWED", emulated_);
        } catch (const Error& e) {
            log::warn("thaw after a failed freeze: {}", e.what());
        }
    }
    throw_error("{} cgroup \"{}\": timed out waiting for freezer.state {}", frozen ? "freeze" : "thaw", dir, want);
}

void FsManager::freeze_v2(const std::string& dir, bool frozen) const {
    fsio::write(dir, "cgroup.freeze", frozen ? "1" : "0", emulated_);
    if (emulated_) return;  // a test's tree has no kernel to report the state
    for (int attempt = 0; attempt < 400; ++attempt) {
        if (v2_frozen(dir) == frozen) return;
        std::this_thread::sleep_for(milliseconds(attempt < 10 ? 1 : 5));
    }
    if (frozen) {
        try {
            fsio::write(dir, "cgroup.freeze", "0", emulated_);
        } catch (const Error& e) {
            log::warn("thaw after a failed freeze: {}", e.what());
        }
    }
    throw_error("{} cgroup \"{}\": timed out waiting for cgroup.events", frozen ? "freeze" : "thaw", dir);
}

void FsManager::freeze(bool frozen) {
    if (layout_ != Layout::unified) {
        const Dir* d = dir_for("freezer");
        if (!d) throw_unavailable(frozen ? "pause: cannot toggle freezer" : "resume: cannot toggle freezer", "freezer");
        freeze_v1(d->path, frozen);
        return;
    }
    const Dir* u = dir_for("");
    if (!u) throw_error("{}: no cgroup2 directory", frozen ? "pause" : "resume");
    freeze_v2(u->path, frozen);
}

bool FsManager::is_frozen() const {
    if (layout_ != Layout::unified) {
        const Dir* d = dir_for("freezer");
        auto state = d ? fsio::read_if_exists(d->path + "/freezer.state") : std::nullopt;
        if (state && fsio::trim(*state) == "FROZEN") return true;
        // A hybrid host's cgroup2 tree has its own freezer (cgroup.freeze): a process in a
        // frozen cgroup there stops just the same.
        const Dir* u = unified_dir();
        return u && !emulated_ && v2_frozen(u->path);
    }
    const Dir* u = dir_for("");
    if (!u) return false;
    if (emulated_) {
        auto f = fsio::read_if_exists(u->path + "/cgroup.freeze");
        return f && fsio::trim(*f) == "1";
    }
    return v2_frozen(u->path);
}

std::vector<pid_t> FsManager::pids() const {
    // The freezer hierarchy on v1, as runc: it is the one the pause/kill logic relies on.
    const Dir* d = layout_ == Layout::unified ? dir_for("") : dir_for("freezer");
    if (!d && !dirs_.empty()) d = &dirs_.front();
    if (!d) return {};
    return fsio::read_pids_recursive(d->path);
}

void FsManager::signal_pids(int signal) const {
    for (pid_t pid : pids()) {
        if (::kill(pid, signal) != 0 && errno != ESRCH) throw_errno("kill {} with signal {}", pid, signal);
    }
}

void FsManager::kill_all(int signal) {
    // cgroup.kill (5.14+) kills every process atomically, forks in flight included; on a
    // hybrid host the container is in the cgroup2 tree too, so it works there as well.
    const Dir* u = unified_dir();
    if (signal == SIGKILL && u && !emulated_ && fsio::exists(u->path + "/cgroup.kill")) {
        try {
            fsio::write(u->path, "cgroup.kill", "1", false);
        } catch (const Error& e) {
            // ENODEV: the cgroup was removed meanwhile, so it holds no process. systemd does
            // that to an emptied transient scope, e.g. when a failed create killed the init.
            if (e.error_number() != ENODEV && e.error_number() != ENOENT) throw;
        }
        return;
    }
    const Dir* freezer = layout_ == Layout::unified ? u : dir_for("freezer");
    // A cgroup removed meanwhile holds no process: systemd removes an emptied transient
    // scope (as after a failed create killed the init), and there is no cgroup.kill above.
    if (freezer && !emulated_ && !fsio::exists(freezer->path)) return;
    const bool can_freeze = freezer != nullptr;
    // Without cgroup.kill, a process could fork between reading the pids and the kill: freeze
    // first so the list cannot change, signal, then thaw so the signals are delivered (runc).
    // For SIGKILL, repeat until the cgroup is empty, in case a task escaped the first pass.
    for (int round = 0; round < 10; ++round) {
        if (can_freeze) freeze(true);
        try {
            signal_pids(signal);
        } catch (...) {
            if (can_freeze) freeze(false);
            throw;
        }
        if (can_freeze) freeze(false);
        if (signal != SIGKILL) return;
        // Killed tasks leave the cgroup as they exit, mostly within a fraction of a
        // millisecond: short, growing sleeps (0.1 ms doubling up to 5 ms, ~100 ms in all)
        // rather than fixed 5 ms steps, the least a delete --force paid on a v1 host.
        std::chrono::microseconds waited{0};
        for (std::chrono::microseconds step{100}; waited < milliseconds(100) && !pids().empty();
             waited += step, step = std::min(step * 2, std::chrono::microseconds(5000)))
            std::this_thread::sleep_for(step);
        if (pids().empty()) return;
    }
    throw_error("kill cgroup: processes are left after SIGKILL");
}

void FsManager::destroy() {
    unified_fd_.reset();
    std::optional<Error> first_error;
    // Every directory is tried even when one fails, so a retry has less to do.
    for (const auto& d : dirs_) {
        const auto& c = d.hierarchy.controllers;
        if (!emulated_ && std::find(c.begin(), c.end(), "cpu") != c.end() && !d.hierarchy.unified)
            release_rt_budget(d.hierarchy.mount, d.path);
        try {
            fsio::remove_cgroup(d.path, emulated_);
        } catch (const Error& e) {
            if (!first_error) first_error = e;
        }
    }
    if (first_error) throw *first_error;
}

void FsManager::undo_create() noexcept {
    try {
        // Nothing made (the first mkdir refused, as for a user without root): nothing to undo.
        if (!found_existing_ && !made_.empty()) {
            // Only a cgroup this create made holds nothing but the container.
            kill_all(SIGKILL);
            destroy();
        }
        // The parents it made (a nested cgroupsPath), deepest first; one that another
        // container joined meanwhile is busy and stays.
        for (auto it = made_.rbegin(); it != made_.rend(); ++it) {
            if (fsio::rmdir(*it) != 0 && errno != ENOENT && errno != EBUSY && errno != ENOTEMPTY)
                log::warn("remove cgroup \"{}\": {}", *it, std::strerror(errno));
        }
    } catch (const Error& e) {
        log::warn("remove cgroup: {}", e.what());
    }
}

}  // namespace berth::cgroup
