// The drivers' factory: make_manager() for a new container, load_manager() for a saved one.
#include "cgroup/manager.hpp"

#include "cgroup/fs_manager.hpp"
#include "cgroup/saved_form.hpp"
#include "cgroup/systemd_manager.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <signal.h>

namespace berth::cgroup {

std::unique_ptr<Manager> make_manager(const ManagerOptions& options) {
    if (options.systemd) return SystemdManager::make(options);
    return FsManager::make(options);
}

std::unique_ptr<Manager> load_manager(const std::string& saved_form) {
    const SavedForm form = SavedForm::decode(saved_form);
    const std::string& driver = form.get("driver");
    if (driver == "fs") return FsManager::load(form);
    if (driver == "systemd") return SystemdManager::load(form);
    throw_error("load cgroup state: unknown driver \"{}\"", driver);
}

Stats read_stats(const Manager& manager) { return manager.stats(); }

Placement Manager::placement() const {
    Placement p;
    p.clone_into = unified_fd();
    p.complete = p.clone_into >= 0;
    return p;
}

void Manager::undo_create() noexcept {
    try {
        kill_all(SIGKILL);
        destroy();
    } catch (const Error& e) {
        log::warn("remove cgroup: {}", e.what());
    }
}

}  // namespace berth::cgroup
