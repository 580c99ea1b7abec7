// The cgroup manager: one small interface, with the cgroupfs (v1, hybrid, unified) and
// systemd drivers behind it. Runs in the parent only.
//
// Lifecycle as the runtime uses it:
//   create:  auto m = make_manager({...}); m->create(); m->apply(resources);
//            auto p = m->placement(); clone the init with CLONE_INTO_CGROUP into
//            p.clone_into where that is >= 0, the init writes "0" to each of p.self_join
//            first thing, and unless p.complete m->add_process(pid) before the child runs
//            container code;
//            save m->saved_form() in the container's state directory.
//   later:   auto m = load_manager(saved, layout); m->freeze(true); m->pids(); m->kill_all(SIGKILL);
//   delete:  m->destroy()  (kills nothing; the runtime empties the cgroup first)
// Every method throws berth::Error naming the file and the reason.
#pragma once

#include "cgroup/layout.hpp"
#include "cgroup/oom_watch.hpp"
#include "cgroup/stats.hpp"
#include "cgroup/sub_cgroup.hpp"
#include "oci/config.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace berth::cgroup {

struct ManagerOptions {
    std::string container_id;
    std::string cgroups_path;  // linux.cgroupsPath, possibly empty
    bool systemd = false;      // --systemd-cgroup: cgroupsPath is "slice:prefix:name"
    // Rootless (global.rootless): the systemd driver talks to the caller's own manager over
    // the user bus and places the scope in its delegated tree, as runc does.
    bool rootless = false;
    // The hierarchies to use; unset (always, outside tests): discover_host(). Unit tests
    // pass a fake tree's view here.
    std::optional<HostView> host;
    // config.md annotations; the systemd driver turns "org.systemd.property.<Name>" into unit
    // properties, as runc does. The cgroupfs driver ignores them.
    std::map<std::string, std::string> annotations;
};

// How a new process joins the container's cgroup without its parent writing its pid to a
// cgroup.procs file. Such a write moves a whole thread group, which takes the kernel's
// global cgroup_threadgroup_rwsem for writing, and its first writer after a quiet spell
// waits an RCU grace period (rcu_sync_enter: ~7.5 ms here, the largest single cost of a
// create on a v1 host). Clone3's CLONE_INTO_CGROUP (cgroup2 only) takes it for reading;
// a single-threaded process writing "0" (itself) to a v1 hierarchy's "tasks" moves one
// thread, which the kernel does without it (5.19+, "cgroup: Optimize single thread
// migration"; older kernels take it, so they are only as slow as before).
struct Placement {
    int clone_into = -1;              // for CLONE_INTO_CGROUP (owned by the manager), or -1
    std::vector<UniqueFd> self_join;  // "tasks" files opened O_WRONLY; the process writes "0"
    std::vector<std::string> self_join_paths;  // the same files' paths, for errors
    bool complete = false;            // false: the caller still calls add_process(pid)
};

class Manager {
public:
    virtual ~Manager() = default;

    // Makes the container's cgroup in every hierarchy it uses. Idempotent.
    virtual void create() = 0;
    // Writes the resource limits (create and `update`).
    virtual void apply(const oci::Resources& resources) = 0;
    // An O_PATH|O_DIRECTORY fd of the cgroup2 directory for clone3(CLONE_INTO_CGROUP),
    // or -1 where that cannot place the process in every hierarchy (v1 and hybrid).
    virtual int unified_fd() const = 0;
    // How a process about to be cloned joins the cgroup (Placement). The default: into
    // unified_fd() when that is >= 0, otherwise by add_process().
    virtual Placement placement() const;
    // Moves a process into the container's cgroup in every hierarchy.
    virtual void add_process(pid_t pid) = 0;
    // exec --cgroup: the same, but into the existing sub-cgroup `sub` in the hierarchies it
    // names. Throws naming --cgroup when a sub-cgroup or a controller is missing.
    virtual void add_process(pid_t pid, const SubCgroup& sub) = 0;
    // Freezes (true) or thaws (false) and waits until the kernel reports the new state.
    virtual void freeze(bool frozen) = 0;
    virtual bool is_frozen() const = 0;
    // Every pid in the container's cgroup (the freezer or unified hierarchy).
    virtual std::vector<pid_t> pids() const = 0;
    // Sends a signal to every process in the cgroup (cgroup.kill for SIGKILL on v2).
    virtual void kill_all(int signal) = 0;
    // Removes the cgroup directories; tolerates ones already gone.
    virtual void destroy() = 0;
    // Undoes create() after a failed create, in the same process. The default kills what
    // is in the cgroup and destroys it; the cgroupfs driver removes only what it made.
    // Never throws.
    virtual void undo_create() noexcept;
    // A line that load_manager() turns back into an equal manager.
    virtual std::string saved_form() const = 0;
    // Current usage for `events --stats` (stats.hpp; also read_stats()). The default throws
    // "stats: not supported", so a test double need not implement it.
    virtual Stats stats() const;
    // A watch that reports the cgroup's OOM events (oom_watch.hpp), for `events`. Throws
    // berth::Error when there is no memory controller; the default throws "not supported".
    virtual OomWatch watch_oom() const;
};

std::unique_ptr<Manager> make_manager(const ManagerOptions& options);
std::unique_ptr<Manager> load_manager(const std::string& saved_form);

}  // namespace berth::cgroup
