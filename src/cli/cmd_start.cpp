// berth start <container-id>
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_start(std::span<const std::string> args) {
    return parse_container_id(args, "berth start <container-id>",
                              "Start the user-defined process of a created container.");
}

int run_start(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::start(global, std::get<ContainerIdOptions>(options).id);
}

}  // namespace berth::cli
