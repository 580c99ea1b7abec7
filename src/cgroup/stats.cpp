#include "cgroup/stats.hpp"

#include "cgroup/fs_manager.hpp"
#include "util/error.hpp"

namespace berth::cgroup {

Stats FsManager::stats() const { throw_error("stats: not implemented yet"); }

std::string stats_to_json(const Stats&) { throw_error("stats: not implemented yet"); }

}  // namespace berth::cgroup
