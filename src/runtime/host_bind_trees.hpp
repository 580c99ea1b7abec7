// Bind sources of a container with a user namespace, cloned with berth's own credentials.
// The namespace's root may have no search permission on a source's host directories (a
// 0700 bundle, /root/...), so the init cannot open_tree() them itself. As runc does, the
// sources are looked up from the host side but in the init's own mount namespace: the
// trees are copies of that namespace's mounts, so they keep the locks the kernel put on
// them for the user namespace (read-only flags, covered submounts).
#pragma once

#include "child/launch_plan.hpp"
#include "util/unique_fd.hpp"

#include <sys/types.h>

#include <vector>

namespace berth::runtime {

// Whether the init's binds are cloned by the helper below: a new user namespace (or one
// joined at clone) with the mount namespace made at clone.
bool host_bind_trees_apply(const child::LaunchPlan& plan);

// Parent, before clone: marks each bind the init would clone itself inside a new user
// namespace (idmapped ones too: the helper sets the idmapping) and reserves its prepared_tree_fd: an
// fd number the init inherits and later replaces with the tree. The returned fds hold
// those numbers and must stay open until the init has mounted.
std::vector<UniqueFd> reserve_host_bind_trees(child::LaunchPlan& plan);

// Parent, before clone, without a user namespace: a bind that asks for shared (or rshared)
// propagation while rootfsPropagation is shared or rshared (how Docker's `:shared` volumes
// and Kubernetes' Bidirectional mounts are asked for) is cloned here, in berth's own mount
// namespace, so the tree stays a peer of the host's mount and mounts made under it reach
// the host, as with runc. The init's own clone would be a slave: it makes every mount a
// slave first. The returned fds own the trees (prepared_tree_fd) until the init mounted.
std::vector<UniqueFd> prepare_shared_bind_trees(child::LaunchPlan& plan);

// Parent, after clone and the id maps, before `go`: a helper process joins the init's
// mount namespace, clones every marked source there with the bind's attributes on the
// detached tree, and sends the trees to the init over `sync_fd` (MsgType::bind_trees with
// SCM_RIGHTS, in plan order). Throws naming the mount whose source failed.
void send_host_bind_trees(const child::LaunchPlan& plan, pid_t init_pid, int sync_fd);

}  // namespace berth::runtime
