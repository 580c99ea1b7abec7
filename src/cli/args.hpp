// A small command-line flag parser with the syntax runc accepts (Go's flag package as
// urfave/cli v1 drives it), because engines pass whatever worked with runc:
//
//   --flag value   --flag=value   -flag value   -flag=value   (one or two dashes, any name)
//   -b DIR         --b DIR        (a short alias is just another name)
//   --bool  --bool=true  --bool=false   (a boolean never takes the next argument)
//   --env A=1 --env B=2             (repeatable flags append)
//   --                              (ends the flags)
//
// Single-letter flags are not bundled (`-dt` is the flag named "dt"), as in runc.
// Runs in the parent; allocates freely; throws UsageError only.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace berth::cli {

// A mistake in the command line. The dispatcher prints "berth <cmd>: <what()>" and exits 1,
// which is what runc does for its usage errors.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where flags may appear relative to positional arguments.
enum class Order {
    interleaved,  // flags anywhere before "--" (urfave/cli's argument reordering)
    flags_first,  // the first positional ends the flags (global flags, exec, ps)
};

// One flag of a FlagSet as --help shows it; the shell completions and the man-page test are
// generated from, or checked against, the same records. Views into the FlagSet's strings,
// which are literals.
struct FlagInfo {
    std::vector<std::string_view> names;  // as declared: the long name first, "bundle", "b"
    std::string_view value_name;          // "DIR", "table|json"; empty for a boolean
    bool value_optional = false;          // --rootless: takes a value only from `choices`
    std::vector<std::string_view> choices;  // the fixed values a flag takes, if it lists them
    std::string_view help;
    bool hidden = false;  // accepted and ignored for runc compatibility, not in --help
};

// What `--help` returns: the text and the table it was made from.
struct Help {
    std::string text;
    std::string_view usage;
    std::vector<FlagInfo> flags;
};

struct ParseResult {
    std::vector<std::string> positionals;
    bool help = false;  // --help or -h was given
};

class FlagSet {
public:
    // usage: "berth create [options] <container-id>"; description: paragraphs for --help.
    FlagSet(std::string_view usage, std::string_view description);

    // names: comma-separated aliases, the long name first: "bundle,b".
    void boolean(std::string_view names, bool& target, std::string_view help);
    void string(std::string_view names, std::string_view value_name, std::string& target,
                std::string_view help);
    // Each occurrence appends.
    void strings(std::string_view names, std::string_view value_name,
                 std::vector<std::string>& target, std::string_view help);
    // A value flag with a custom setter; the setter throws UsageError("<why>") for a bad value.
    void value(std::string_view names, std::string_view value_name, std::string_view help,
               std::function<void(std::string_view)> set);
    // A value_name of alternatives ("table|json") names the values the shell completes.
    // A flag whose value is optional: it takes the next argument only when that argument is
    // one of `accepted` (runc's `--rootless` is a value flag, but `--rootless list` must work).
    // Without a value, the setter receives "".
    void optional_value(std::string_view names, std::string_view value_name,
                        std::initializer_list<std::string_view> accepted, std::string_view help,
                        std::function<void(std::string_view)> set);
    // Accepted and ignored, not shown in --help (flags runc has that berth has no use for).
    void ignored(std::string_view names, bool takes_value);

    ParseResult parse(std::span<const std::string> args, Order order) const;

    // The text --help prints, with the flag table (hidden flags included, marked).
    Help help() const;

private:
    enum class Kind { boolean, value, optional_value };
    struct Flag {
        std::vector<std::string_view> names;
        Kind kind = Kind::boolean;
        std::string_view value_name;
        std::string_view help;
        std::vector<std::string_view> accepted;
        std::function<void(std::string_view)> set;
        bool hidden = false;
    };

    void add(Flag flag);
    std::string help_text() const;
    const Flag* find(std::string_view name) const;
    std::size_t apply(const Flag& flag, std::string_view spelled, const std::string_view* inline_value,
                      std::span<const std::string> rest) const;

    std::string_view usage_;
    std::string_view description_;
    std::vector<Flag> flags_;
};

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
bool parse_bool(std::string_view text);
// A decimal unsigned integer that fits `max`; throws UsageError("want ...").
unsigned long long parse_unsigned(std::string_view text, unsigned long long max);

// Throws UsageError unless min <= positionals.size() <= max.
// `names` describes the arguments for the message, e.g. "<container-id>".
void expect_arguments(const std::vector<std::string>& positionals, std::size_t min, std::size_t max,
                      std::string_view names);

// `path` made absolute against the current directory and lexically normalised (no
// symlink resolution: the runtime resolves paths itself, safely).
std::string absolute_path(std::string_view path);

}  // namespace berth::cli
