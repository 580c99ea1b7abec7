// berth events [--stats] [--interval DURATION] <container-id>
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <cstdint>

namespace berth::cli {

// A Go duration ("5s", "1m30s", "500ms", "2h") in whole seconds, rounded up: the runtime
// polls in seconds and a sub-second request must not become 0 (a busy loop).
unsigned parse_interval(std::string_view text) {
    constexpr struct {
        std::string_view unit;
        std::uint64_t nanoseconds;
    } kUnits[] = {{"ns", 1}, {"us", 1'000}, {"µs", 1'000}, {"ms", 1'000'000},
                  {"s", 1'000'000'000}, {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};
    if (text.empty()) throw UsageError("want a duration such as 5s or 1m");
    std::uint64_t total = 0;
    while (!text.empty()) {
        auto digits = text.find_first_not_of("0123456789");
        if (digits == 0 || digits == std::string_view::npos) {
            throw UsageError("want a duration such as 5s or 1m");
        }
        auto number = parse_unsigned(text.substr(0, digits), 1'000'000'000);
        text.remove_prefix(digits);
        auto end = text.find_first_of("0123456789");
        auto unit = text.substr(0, end);
        text.remove_prefix(unit.size());
        bool known = false;
        for (const auto& u : kUnits) {
            if (u.unit != unit) continue;
            std::uint64_t part = 0;
            if (__builtin_mul_overflow(number, u.nanoseconds, &part) ||
                __builtin_add_overflow(total, part, &total)) {
                throw UsageError("the interval is too long");
            }
            known = true;
        }
        if (!known) throw UsageError("want a duration such as 5s or 1m");
    }
    if (total == 0) throw UsageError("the interval must be positive");
    auto seconds = (total + 999'999'999) / 1'000'000'000;
    return seconds > UINT32_MAX ? UINT32_MAX : static_cast<unsigned>(seconds);
}

CommandOptions parse_events(std::span<const std::string> args) {
    runtime::EventsOptions options;
    FlagSet flags("berth events [options] <container-id>",
                  "Print container events (OOM notifications) and resource statistics as\n"
                  "one JSON object per line.");
    flags.value("interval", "DURATION", "statistics collection interval (default: 5s)",
                [&options](std::string_view v) { options.interval_seconds = parse_interval(v); });
    flags.boolean("stats", options.stats, "print the container's statistics once and exit");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 1, 1, "<container-id>");
    options.id = result.positionals[0];
    return options;
}

int run_events(const runtime::GlobalOptions& global, const CommandOptions& options) {
    return runtime::events(global, std::get<runtime::EventsOptions>(options));
}

}  // namespace berth::cli
