// berth features: print the features document.
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/spec.hpp"
#include "runtime/criu.hpp"

#include <cstdio>

namespace berth::cli {

CommandOptions parse_features(std::span<const std::string> args) {
    FlagSet flags("berth features",
                  "Print the features berth implements as the JSON document of runtime-spec\n"
                  "features.md. It describes berth itself, not what this host supports, but for\n"
                  "the annotations that say whether CRIU checkpointing works on this host.");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 0, 0, "no arguments");
    return FeaturesOptions{};
}

int run_features(const runtime::GlobalOptions& global, const CommandOptions&) {
    // Cached per criu binary and boot (runtime/criu.cpp): usually a stat and a file read.
    runtime::criu::Availability a = runtime::criu::availability(global);
    CheckpointSupport checkpoint{a.usable, a.detail};
    std::string text = features_json(&checkpoint);
    text += '\n';
    std::fputs(text.c_str(), stdout);
    return 0;
}

}  // namespace berth::cli
