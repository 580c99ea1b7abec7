// Shared steps of the lifecycle operations. Parent only; throws berth::Error.
#pragma once

#include "cgroup/manager.hpp"
#include "oci/config.hpp"
#include "runtime/operations.hpp"
#include "runtime/state_store.hpp"

#include <memory>
#include <optional>

namespace berth::runtime {

// The config.json copy create saved in the state directory.
std::optional<oci::Config> saved_config(const StateStore& store, const std::string& id);

// linux.resources with the device rules every container needs appended, as runc does:
// mknod of anything (the device list is what berth creates), the default devices, ptys
// and /dev/net/tun (cgroup::default_device_rules). linux.devices adds no rule: the
// config's own rules decide for those. create and `update` apply the same list, so an
// update changes only the rules that differ.
oci::Resources device_rules(const oci::Config& config);

// The record of a container being made (create, restore): still `creating`, no pid yet.
ContainerRecord new_record(const std::string& id, const std::string& bundle, const std::string& rootfs,
                           const oci::Config& config);

// A new container's cgroup manager (not yet created) for linux.cgroupsPath and the driver.
std::unique_ptr<cgroup::Manager> make_cgroup(const oci::Config& config, const GlobalOptions& global,
                                             const std::string& id);

// The container's cgroup manager, or nullptr when none was saved or it cannot be loaded.
std::unique_ptr<cgroup::Manager> container_cgroup(const ContainerRecord& record);

// Releases the init blocked on exec.fifo and runs the poststart hooks.
void start_container(const GlobalOptions& global, const std::string& id);

// Kills what is left (with `force`), runs poststop hooks, removes cgroup and state.
void delete_container(const GlobalOptions& global, const std::string& id, bool force);

}  // namespace berth::runtime
