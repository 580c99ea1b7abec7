// Idmapped bind mounts, prepared by the parent: a user namespace per distinct pair of maps
// (mount_setattr MOUNT_ATTR_IDMAP takes an fd of one) and the detached, idmapped tree.
#pragma once

#include "child/launch_plan.hpp"
#include "util/unique_fd.hpp"

#include <vector>

namespace berth::runtime {

// For each idmapped mount of the plan: makes the user namespace of its maps
// (idmap_userns_fd), clones its source, sets its attributes and idmapping, and stores the
// tree's fd in prepared_tree_fd; in a container with a user namespace the clone is left to
// the bind helper (host_bind_trees.hpp). The returned fds own those trees and namespaces
// and must stay open until the init has mounted them.
std::vector<UniqueFd> prepare_idmapped_mounts(child::LaunchPlan& plan);

}  // namespace berth::runtime
