#include "cli/args.hpp"
#include "cli/command.hpp"

namespace berth::cli {

CommandOptions parse_container_id(std::span<const std::string> args, std::string_view usage,
                                  std::string_view description) {
    FlagSet flags(usage, description);
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    return ContainerIdOptions{result.positionals[0]};
}

}  // namespace berth::cli
