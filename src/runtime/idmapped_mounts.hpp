// Idmapped bind mounts, prepared by the parent: a user namespace per distinct pair of maps
// (mount_setattr MOUNT_ATTR_IDMAP takes an fd of one) and the detached, idmapped tree.
#pragma once

#include "child/launch_plan.hpp"
#include "util/unique_fd.hpp"

#include <vector>

namespace berth::runtime {

// For each idmapped mount of the plan: clones its source, sets its attributes and idmapping,
// and stores the tree's fd in prepared_tree_fd. The returned fds own those trees and must
// stay open until the init has mounted them.
std::vector<UniqueFd> prepare_idmapped_mounts(child::LaunchPlan& plan);

}  // namespace berth::runtime
