// berth pause <container-id>
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_pause(std::span<const std::string> args) {
    return parse_container_id(args, "berth pause <container-id>",
                              "Suspend all processes inside the container (cgroup freezer).");
}

int run_pause(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::pause(global, std::get<ContainerIdOptions>(options).id);
}

}  // namespace berth::cli
