// berth resume <container-id>
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_resume(std::span<const std::string> args) {
    return parse_container_id(args, "berth resume <container-id>",
                              "Resume all processes of a paused container.");
}

int run_resume(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::resume(global, std::get<ContainerIdOptions>(options).id);
}

}  // namespace berth::cli
