// The flag parser on every syntax engines and people use (Go flag / urfave/cli forms).
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using berth::cli::FlagSet;
using berth::cli::Order;
using berth::cli::ParseResult;
using berth::cli::UsageError;

namespace {

struct Options {
    std::string bundle;
    std::string pid_file;
    bool detach = false;
    bool tty = false;
    std::vector<std::string> env;
    std::string mode = "unset";
};

struct Fixture {
    Options o;
    FlagSet flags{"test [options] <id>", "a test"};
    Fixture() {
        flags.string("bundle,b", "DIR", o.bundle, "bundle");
        flags.string("pid-file", "FILE", o.pid_file, "pid file");
        flags.boolean("detach,d", o.detach, "detach");
        flags.boolean("tty,t", o.tty, "tty");
        flags.strings("env,e", "K=V", o.env, "env");
        flags.optional_value("mode", "M", {"true", "false", "auto"}, "mode",
                             [this](std::string_view v) { o.mode = v.empty() ? "bare" : std::string(v); });
        flags.ignored("criu", true);
    }
    ParseResult parse(std::vector<std::string> args, Order order = Order::interleaved) {
        return flags.parse(args, order);
    }
};

std::string usage_error(Fixture& f, std::vector<std::string> args) {
    try {
        f.parse(std::move(args));
    } catch (const UsageError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(args)

BOOST_FIXTURE_TEST_CASE(long_flag_takes_the_next_argument, Fixture) {
    auto r = parse({"--bundle", "/b", "--pid-file", "/p", "c1"});
    BOOST_TEST(o.bundle == "/b");
    BOOST_TEST(o.pid_file == "/p");
    BOOST_TEST(r.positionals == std::vector<std::string>{"c1"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(long_flag_with_equals, Fixture) {
    parse({"--bundle=/b", "--pid-file=", "c1"});
    BOOST_TEST(o.bundle == "/b");
    BOOST_TEST(o.pid_file.empty());
}

BOOST_FIXTURE_TEST_CASE(single_dash_long_forms_as_go_accepts, Fixture) {
    parse({"-bundle", "/b", "-pid-file=/p", "c1"});
    BOOST_TEST(o.bundle == "/b");
    BOOST_TEST(o.pid_file == "/p");
}

BOOST_FIXTURE_TEST_CASE(short_alias_with_one_or_two_dashes, Fixture) {
    parse({"-b", "/one"});
    BOOST_TEST(o.bundle == "/one");
    parse({"--b=/two"});
    BOOST_TEST(o.bundle == "/two");
}

BOOST_FIXTURE_TEST_CASE(value_may_start_with_a_dash, Fixture) {
    parse({"--pid-file", "-weird", "c1"});
    BOOST_TEST(o.pid_file == "-weird");
}

BOOST_FIXTURE_TEST_CASE(boolean_forms, Fixture) {
    parse({"-d", "--tty=true"});
    BOOST_TEST(o.detach);
    BOOST_TEST(o.tty);
    parse({"--detach=false", "-t=0"});
    BOOST_TEST(!o.detach);
    BOOST_TEST(!o.tty);
    parse({"--detach=T", "--tty=FALSE"});
    BOOST_TEST(o.detach);
    BOOST_TEST(!o.tty);
}

BOOST_FIXTURE_TEST_CASE(boolean_never_takes_the_next_argument, Fixture) {
    auto r = parse({"--detach", "false"});
    BOOST_TEST(o.detach);
    BOOST_TEST(r.positionals == std::vector<std::string>{"false"}, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(bad_boolean_value_is_an_error, Fixture) {
    BOOST_TEST(usage_error(*this, {"--detach=maybe"}) ==
               "invalid value \"maybe\" for flag --detach: want true or false");
}

BOOST_FIXTURE_TEST_CASE(repeated_flag_appends, Fixture) {
    parse({"-e", "A=1", "--env", "B=2", "-env=C=3", "--e=D=4"});
    BOOST_TEST(o.env == (std::vector<std::string>{"A=1", "B=2", "C=3", "D=4"}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(double_dash_ends_flags, Fixture) {
    auto r = parse({"-d", "--", "--tty", "-"});
    BOOST_TEST(o.detach);
    BOOST_TEST(!o.tty);
    BOOST_TEST(r.positionals == (std::vector<std::string>{"--tty", "-"}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(interleaved_flags_after_positionals, Fixture) {
    auto r = parse({"c1", "--detach", "KILL", "-b", "/b"});
    BOOST_TEST(o.detach);
    BOOST_TEST(o.bundle == "/b");
    BOOST_TEST(r.positionals == (std::vector<std::string>{"c1", "KILL"}), boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(flags_first_stops_at_the_first_positional, Fixture) {
    auto r = parse({"-t", "c1", "ls", "-d", "--env", "X"}, Order::flags_first);
    BOOST_TEST(o.tty);
    BOOST_TEST(!o.detach);
    BOOST_TEST(o.env.empty());
    BOOST_TEST(r.positionals == (std::vector<std::string>{"c1", "ls", "-d", "--env", "X"}),
               boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(missing_value_is_an_error, Fixture) {
    BOOST_TEST(usage_error(*this, {"c1", "--pid-file"}) == "flag --pid-file needs a value");
    BOOST_TEST(usage_error(*this, {"-b"}) == "flag -b needs a value");
}

BOOST_FIXTURE_TEST_CASE(unknown_flag_is_an_error, Fixture) {
    BOOST_TEST(usage_error(*this, {"--nope", "c1"}) == "unknown flag \"--nope\"");
    BOOST_TEST(usage_error(*this, {"-x=1"}) == "unknown flag \"-x\"");
    // No bundling of single-letter flags, as in runc.
    BOOST_TEST(usage_error(*this, {"-dt"}) == "unknown flag \"-dt\"");
}

BOOST_FIXTURE_TEST_CASE(bad_flag_syntax_is_an_error, Fixture) {
    BOOST_TEST(usage_error(*this, {"---detach"}) == "bad flag syntax \"---detach\"");
    BOOST_TEST(usage_error(*this, {"--=x"}) == "bad flag syntax \"--=x\"");
}

BOOST_FIXTURE_TEST_CASE(help_anywhere, Fixture) {
    BOOST_TEST(parse({"c1", "--help"}).help);
    BOOST_TEST(parse({"-h"}).help);
    BOOST_TEST(!parse({"c1"}).help);
}

BOOST_FIXTURE_TEST_CASE(optional_value_takes_only_known_values, Fixture) {
    auto r = parse({"--mode", "list"});
    BOOST_TEST(o.mode == "bare");
    BOOST_TEST(r.positionals == std::vector<std::string>{"list"}, boost::test_tools::per_element());
    parse({"--mode", "false"});
    BOOST_TEST(o.mode == "false");
    parse({"--mode=auto"});
    BOOST_TEST(o.mode == "auto");
}

BOOST_FIXTURE_TEST_CASE(ignored_flag_is_accepted_and_hidden, Fixture) {
    auto r = parse({"--criu", "/usr/bin/criu", "c1"});
    BOOST_TEST(r.positionals == std::vector<std::string>{"c1"}, boost::test_tools::per_element());
    BOOST_TEST(flags.help().text.find("criu") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(help_lists_every_flag, Fixture) {
    auto text = flags.help().text;
    BOOST_TEST(text.find("Usage: test [options] <id>") == 0u);
    BOOST_TEST(text.find("-b, --bundle DIR") != std::string::npos);
    BOOST_TEST(text.find("    --pid-file FILE") != std::string::npos);
    BOOST_TEST(text.find("-h, --help") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(parse_bool_follows_go) {
    for (auto yes : {"1", "t", "T", "true", "TRUE", "True"}) BOOST_TEST(berth::cli::parse_bool(yes));
    for (auto no : {"0", "f", "F", "false", "FALSE", "False"}) BOOST_TEST(!berth::cli::parse_bool(no));
    BOOST_CHECK_THROW(berth::cli::parse_bool("yes"), UsageError);
    BOOST_CHECK_THROW(berth::cli::parse_bool(""), UsageError);
}

BOOST_AUTO_TEST_CASE(parse_unsigned_checks_range_and_form) {
    BOOST_TEST(berth::cli::parse_unsigned("0", 10) == 0u);
    BOOST_TEST(berth::cli::parse_unsigned("10", 10) == 10u);
    BOOST_CHECK_THROW(berth::cli::parse_unsigned("11", 10), UsageError);
    BOOST_CHECK_THROW(berth::cli::parse_unsigned("-1", 10), UsageError);
    BOOST_CHECK_THROW(berth::cli::parse_unsigned("1x", 10), UsageError);
    BOOST_CHECK_THROW(berth::cli::parse_unsigned("", 10), UsageError);
}

BOOST_AUTO_TEST_CASE(interval_is_a_go_duration_rounded_up_to_seconds) {
    using berth::cli::parse_interval;
    BOOST_TEST(parse_interval("5s") == 5u);
    BOOST_TEST(parse_interval("1m30s") == 90u);
    BOOST_TEST(parse_interval("2h") == 7200u);
    BOOST_TEST(parse_interval("500ms") == 1u);
    BOOST_TEST(parse_interval("1500ms") == 2u);
    BOOST_CHECK_THROW(parse_interval("5"), UsageError);
    BOOST_CHECK_THROW(parse_interval("0s"), UsageError);
    BOOST_CHECK_THROW(parse_interval("5x"), UsageError);
    BOOST_CHECK_THROW(parse_interval("s"), UsageError);
    BOOST_CHECK_THROW(parse_interval(""), UsageError);
    BOOST_CHECK_THROW(parse_interval("999999999h"), UsageError);
}

BOOST_AUTO_TEST_CASE(expect_arguments_names_the_problem) {
    std::vector<std::string> none;
    std::vector<std::string> two{"a", "b"};
    BOOST_CHECK_NO_THROW(berth::cli::expect_arguments(two, 1, 2, "<id> [signal]"));
    try {
        berth::cli::expect_arguments(none, 1, 1, "<container-id>");
        BOOST_FAIL("no error");
    } catch (const UsageError& e) {
        BOOST_TEST(std::string(e.what()) == "missing <container-id>");
    }
    try {
        berth::cli::expect_arguments(two, 1, 1, "<container-id>");
        BOOST_FAIL("no error");
    } catch (const UsageError& e) {
        BOOST_TEST(std::string(e.what()) == "unexpected argument \"b\" (usage: <container-id>)");
    }
}

BOOST_AUTO_TEST_CASE(absolute_path_is_normalised) {
    BOOST_TEST(berth::cli::absolute_path("/a/./b/../c/") == "/a/c");
    BOOST_TEST(berth::cli::absolute_path("/") == "/");
    auto relative = berth::cli::absolute_path("bundle");
    BOOST_TEST(relative.front() == '/');
    BOOST_TEST(relative.ends_with("/bundle"));
}

BOOST_AUTO_TEST_SUITE_END()
