// berth state <container-id>
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_state(std::span<const std::string> args) {
    return parse_container_id(args, "berth state <container-id>",
                              "Print the state of a container (the JSON document of runtime-spec\n"
                              "runtime.md#state).");
}

int run_state(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::state(global, std::get<ContainerIdOptions>(options).id);
}

}  // namespace berth::cli
