#include "cli/args.hpp"

#include "util/fs.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <system_error>

namespace berth::cli {
namespace {

std::vector<std::string_view> split_names(std::string_view names) {
    std::vector<std::string_view> out;
    while (!names.empty()) {
        auto comma = names.find(',');
        out.push_back(names.substr(0, comma));
        if (comma == std::string_view::npos) break;
        names.remove_prefix(comma + 1);
    }
    return out;
}

bool looks_like_flag(std::string_view arg) { return arg.size() >= 2 && arg[0] == '-'; }

// "-b, --bundle DIR", or "    --pid-file FILE" so long names line up, for the help listing.
std::string spelling(const std::vector<std::string_view>& names, std::string_view value_name) {
    std::string shorts, longs;
    for (auto name : names) {
        std::string& to = name.size() == 1 ? shorts : longs;
        fmt::format_to(std::back_inserter(to), "{}{}{}", to.empty() ? "" : ", ",
                       name.size() == 1 ? "-" : "--", name);
    }
    std::string out = shorts.empty() ? "    " + longs : longs.empty() ? shorts : shorts + ", " + longs;
    if (!value_name.empty()) fmt::format_to(std::back_inserter(out), " {}", value_name);
    return out;
}

}  // namespace

FlagSet::FlagSet(std::string_view usage, std::string_view description)
    : usage_(usage), description_(description) {}

void FlagSet::add(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::boolean(std::string_view names, bool& target, std::string_view help) {
    add({split_names(names), Kind::boolean, {}, help, {},
         [&target](std::string_view v) { target = parse_bool(v); }, false});
}

void FlagSet::string(std::string_view names, std::string_view value_name, std::string& target,
                     std::string_view help) {
    add({split_names(names), Kind::value, value_name, help, {},
         [&target](std::string_view v) { target = std::string(v); }, false});
}

void FlagSet::strings(std::string_view names, std::string_view value_name,
                      std::vector<std::string>& target, std::string_view help) {
    add({split_names(names), Kind::value, value_name, help, {},
         [&target](std::string_view v) { target.emplace_back(v); }, false});
}

void FlagSet::value(std::string_view names, std::string_view value_name, std::string_view help,
                    std::function<void(std::string_view)> set) {
    add({split_names(names), Kind::value, value_name, help, {}, std::move(set), false});
}

void FlagSet::optional_value(std::string_view names, std::string_view value_name,
                             std::initializer_list<std::string_view> accepted,
                             std::string_view help, std::function<void(std::string_view)> set) {
    add({split_names(names), Kind::optional_value, value_name, help, accepted, std::move(set), false});
}

void FlagSet::ignored(std::string_view names, bool takes_value) {
    add({split_names(names), takes_value ? Kind::value : Kind::boolean,
         takes_value ? "VALUE" : std::string_view(), {}, {},
         [](std::string_view v) { (void)v; }, true});
}

const FlagSet::Flag* FlagSet::find(std::string_view name) const {
    for (const auto& flag : flags_) {
        if (std::find(flag.names.begin(), flag.names.end(), name) != flag.names.end()) return &flag;
    }
    return nullptr;
}

// Sets one flag; returns how many of `rest` (the arguments after the flag) it consumed.
std::size_t FlagSet::apply(const Flag& flag, std::string_view spelled,
                           const std::string_view* inline_value,
                           std::span<const std::string> rest) const {
    std::string_view value;
    std::size_t consumed = 0;
    switch (flag.kind) {
        case Kind::boolean:
            // A boolean never takes the next argument: `--detach ctr` is a flag and an id.
            value = inline_value ? *inline_value : std::string_view("true");
            break;
        case Kind::value:
            if (inline_value) {
                value = *inline_value;
            } else if (!rest.empty()) {
                // Go's flag package takes the next argument even when it starts with "-".
                value = rest.front();
                consumed = 1;
            } else {
                throw UsageError(fmt::format("flag {} needs a value", spelled));
            }
            break;
        case Kind::optional_value:
            if (inline_value) {
                value = *inline_value;
            } else if (!rest.empty() && std::find(flag.accepted.begin(), flag.accepted.end(),
                                                  std::string_view(rest.front())) != flag.accepted.end()) {
                value = rest.front();
                consumed = 1;
            }
            break;
    }
    try {
        flag.set(value);
    } catch (const UsageError& e) {
        throw UsageError(fmt::format("invalid value \"{}\" for flag {}: {}", value, spelled, e.what()));
    }
    return consumed;
}

ParseResult FlagSet::parse(std::span<const std::string> args, Order order) const {
    ParseResult result;
    bool flags_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (flags_ended || !looks_like_flag(arg)) {
            result.positionals.emplace_back(arg);
            if (order == Order::flags_first) flags_ended = true;
            continue;
        }
        if (arg == "--") {
            flags_ended = true;
            continue;
        }
        std::string_view body = arg.substr(arg[1] == '-' ? 2 : 1);
        if (body.empty() || body[0] == '-' || body[0] == '=') {
            throw UsageError(fmt::format("bad flag syntax \"{}\"", arg));
        }
        auto eq = body.find('=');
        std::string_view name = body.substr(0, eq);
        std::string_view spelled = arg.substr(0, arg.size() - body.size() + name.size());
        std::string_view inline_value;
        if (eq != std::string_view::npos) inline_value = body.substr(eq + 1);

        const Flag* flag = find(name);
        if (!flag) {
            if (name == "help" || name == "h") {
                result.help = true;
                continue;
            }
            throw UsageError(fmt::format("unknown flag \"{}\"", spelled));
        }
        i += apply(*flag, spelled, eq != std::string_view::npos ? &inline_value : nullptr,
                   args.subspan(i + 1));
    }
    return result;
}

namespace {

// "table|json" -> {"table", "json"}; a value name without '|' ("DIR") lists nothing.
std::vector<std::string_view> choices_of(std::string_view value_name,
                                         const std::vector<std::string_view>& accepted) {
    if (!accepted.empty()) return accepted;
    if (value_name.find('|') == std::string_view::npos) return {};
    std::vector<std::string_view> out;
    for (;;) {
        auto bar = value_name.find('|');
        out.push_back(value_name.substr(0, bar));
        if (bar == std::string_view::npos) return out;
        value_name.remove_prefix(bar + 1);
    }
}

}  // namespace

Help FlagSet::help() const {
    Help result;
    result.usage = usage_;
    for (const auto& flag : flags_) {
        result.flags.push_back({flag.names, flag.value_name, flag.kind == Kind::optional_value,
                                choices_of(flag.value_name, flag.accepted), flag.help, flag.hidden});
    }
    result.text = help_text();
    return result;
}

std::string FlagSet::help_text() const {
    std::string out = fmt::format("Usage: {}\n", usage_);
    if (!description_.empty()) fmt::format_to(std::back_inserter(out), "\n{}\n", description_);
    std::size_t width = std::string_view("-h, --help").size();
    for (const auto& flag : flags_) {
        if (!flag.hidden) width = std::max(width, spelling(flag.names, flag.value_name).size());
    }
    out += "\nOptions:\n";
    for (const auto& flag : flags_) {
        if (flag.hidden) continue;
        fmt::format_to(std::back_inserter(out), "  {:<{}}  {}\n", spelling(flag.names, flag.value_name),
                       width, flag.help);
    }
    fmt::format_to(std::back_inserter(out), "  {:<{}}  {}\n", "-h, --help", width, "show this help");
    return out;
}

bool parse_bool(std::string_view text) {
    for (auto yes : {"1", "t", "T", "TRUE", "true", "True"}) {
        if (text == yes) return true;
    }
    for (auto no : {"0", "f", "F", "FALSE", "false", "False"}) {
        if (text == no) return false;
    }
    throw UsageError("want true or false");
}

unsigned long long parse_unsigned(std::string_view text, unsigned long long max) {
    unsigned long long value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > max) {
        throw UsageError(fmt::format("want an integer from 0 to {}", max));
    }
    return value;
}

void expect_arguments(const std::vector<std::string>& positionals, std::size_t min, std::size_t max,
                      std::string_view names) {
    if (positionals.size() < min) throw UsageError(fmt::format("missing {}", names));
    if (positionals.size() > max && max == 0) {
        throw UsageError(fmt::format("unexpected argument \"{}\": takes no arguments", positionals[0]));
    }
    if (positionals.size() > max) {
        throw UsageError(fmt::format("unexpected argument \"{}\" (usage: {})", positionals[max], names));
    }
}

std::string absolute_path(std::string_view path) {
    if (!path.empty() && path[0] == '/') return fs::clean_path(path);
    char cwd[PATH_MAX];
    // getcwd fails only when the current directory is gone; the runtime reports that better.
    if (!::getcwd(cwd, sizeof cwd)) return std::string(path);
    return fs::clean_path(path, cwd);
}

}  // namespace berth::cli
