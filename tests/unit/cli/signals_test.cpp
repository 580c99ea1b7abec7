// kill's signal argument: names as runc takes them, numbers, real-time signals.
#include "cli/args.hpp"
#include "cli/signals.hpp"

#include <boost/test/unit_test.hpp>

#include <csignal>

using berth::cli::parse_signal;
using berth::cli::UsageError;

BOOST_AUTO_TEST_SUITE(signals)

BOOST_AUTO_TEST_CASE(names_with_and_without_sig_in_any_case) {
    BOOST_TEST(parse_signal("KILL") == SIGKILL);
    BOOST_TEST(parse_signal("SIGKILL") == SIGKILL);
    BOOST_TEST(parse_signal("sigkill") == SIGKILL);
    BOOST_TEST(parse_signal("kill") == SIGKILL);
    BOOST_TEST(parse_signal("Term") == SIGTERM);
    BOOST_TEST(parse_signal("HUP") == SIGHUP);
    BOOST_TEST(parse_signal("SIGWINCH") == SIGWINCH);
    BOOST_TEST(parse_signal("CHLD") == SIGCHLD);
    BOOST_TEST(parse_signal("CLD") == SIGCHLD);
    BOOST_TEST(parse_signal("IOT") == SIGABRT);
    BOOST_TEST(parse_signal("USR1") == SIGUSR1);
}

BOOST_AUTO_TEST_CASE(numbers_as_go_runc_and_podman_pass_them) {
    BOOST_TEST(parse_signal("0") == 0);  // only checks that the process exists, as kill(2)
    BOOST_TEST(parse_signal("9") == 9);
    BOOST_TEST(parse_signal("15") == 15);
    BOOST_TEST(parse_signal("1") == 1);
    BOOST_TEST(parse_signal("64") == SIGRTMAX);
}

BOOST_AUTO_TEST_CASE(real_time_signals) {
    BOOST_TEST(parse_signal("RTMIN") == SIGRTMIN);
    BOOST_TEST(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    BOOST_TEST(parse_signal("rtmax-1") == SIGRTMAX - 1);
    BOOST_TEST(parse_signal("RTMAX") == SIGRTMAX);
}

BOOST_AUTO_TEST_CASE(invalid_signals_are_rejected) {
    for (auto bad : {"65", "1000", "-9", "FOO", "SIG", "", "RTMIN+99", "RTMAX-99", "RTMIN-1",
                     "KILL9", "9x"}) {
        BOOST_CHECK_THROW(parse_signal(bad), UsageError);
    }
    try {
        parse_signal("FOO");
    } catch (const UsageError& e) {
        BOOST_TEST(std::string(e.what()) == "unknown signal \"FOO\"");
    }
}

BOOST_AUTO_TEST_SUITE_END()
