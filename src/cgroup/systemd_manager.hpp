// The systemd driver: the container's cgroup is a transient scope that systemd owns
// (StartTransientUnit over the system bus, Delegate=yes), with the limits systemd knows as
// unit properties and everything else written through cgroupfs (an FsManager on the scope's
// directory). Runs in the parent.
//
// A scope cannot exist without a process, so create() only validates and apply() before the
// first add_process() is remembered: add_process(pid) starts the scope with that pid, then
// joins the hierarchies systemd does not manage and writes the remembered limits.
// unified_fd() is therefore always -1: the runtime must use add_process().
//
// Rootless (ManagerOptions::rootless), as runc does: the manager is the caller's own
// `systemd --user`, reached over the user bus ($DBUS_SESSION_BUS_ADDRESS, else
// $XDG_RUNTIME_DIR/bus); the default slice is "user.slice", and the scope's cgroup lies below
// that manager's own cgroup (its ControlGroup, "/user.slice/user-UID.slice/user@UID.service"),
// the subtree user@.service delegates to it.
#pragma once

#include "cgroup/fs_manager.hpp"
#include "cgroup/manager.hpp"
#include "cgroup/saved_form.hpp"
#include "cgroup/systemd_props.hpp"

#include <memory>
#include <optional>

namespace berth::cgroup {

class SystemdManager final : public Manager {
public:
    // Throws berth::Error for a malformed cgroupsPath (systemd_props.hpp).
    static std::unique_ptr<SystemdManager> make(const ManagerOptions& options);
    static std::unique_ptr<SystemdManager> load(const SavedForm& form);

    SystemdManager(SystemdUnit unit, std::unique_ptr<FsManager> fs, std::vector<Property> extra, bool started,
                   bool user_bus);

    void create() override;
    void apply(const oci::Resources& resources) override;
    int unified_fd() const override { return -1; }
    // After the scope started (exec): written to cgroup.procs; where a rootless caller may
    // not move the process (it runs outside the user's delegated tree, e.g. in a login
    // session's scope), the user's manager is asked to (AttachProcessesToUnit), and it asks
    // PID 1 in turn.
    void add_process(pid_t pid) override;
    void add_process(pid_t pid, const SubCgroup& sub) override;
    void freeze(bool frozen) override { fs_->freeze(frozen); }
    bool is_frozen() const override { return fs_->is_frozen(); }
    std::vector<pid_t> pids() const override { return fs_->pids(); }
    void kill_all(int signal) override { fs_->kill_all(signal); }
    // Stops the unit (systemd removes its cgroup), then removes what cgroupfs made.
    void destroy() override;
    std::string saved_form() const override;
    Stats stats() const override { return fs_->stats(); }
    OomWatch watch_oom() const override { return fs_->watch_oom(); }

    const SystemdUnit& unit() const { return unit_; }
    // The properties StartTransientUnit gets for a first process `pid` (pure; for tests).
    std::vector<Property> start_properties(pid_t pid) const;

private:
    std::vector<Property> limits_for(const oci::Resources& r) const;
    void attach_through_manager(pid_t pid) const;

    SystemdUnit unit_;
    std::unique_ptr<FsManager> fs_;
    std::vector<Property> extra_;  // from org.systemd.property.* annotations
    std::optional<oci::Resources> pending_;
    bool started_;
    bool user_bus_;  // rootless: the user's manager
};

}  // namespace berth::cgroup
