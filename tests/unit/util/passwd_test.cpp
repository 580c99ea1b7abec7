// util/passwd: berth's own /etc/passwd lookup (no NSS in a static berth).
#include "util/passwd.hpp"

#include <boost/test/unit_test.hpp>

#include <pwd.h>
#include <unistd.h>

BOOST_AUTO_TEST_CASE(passwd_finds_the_first_line_with_the_uid) {
    const char* text = "root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nalice:x:1000:1000::/home/alice:/bin/sh\n"
                       "alias:x:1000:1000::/home/alias:/bin/sh\n";
    auto alice = berth::passwd::find_uid(text, 1000);
    BOOST_REQUIRE(alice);
    BOOST_TEST(alice->name == "alice");
    BOOST_TEST(alice->home == "/home/alice");
    BOOST_TEST(!berth::passwd::find_uid(text, 1001));
    BOOST_TEST(!berth::passwd::find_uid("", 0));
    // a uid field is matched whole, not as a prefix
    BOOST_TEST(!berth::passwd::find_uid("bob:x:10000:1::/:/bin/sh\n", 1000));
}

// The host lookup agrees with getpwuid for the users the files define (this test is
// dynamic, so NSS is fine here).
BOOST_AUTO_TEST_CASE(passwd_host_name_matches_getpwuid) {
    BOOST_TEST(berth::passwd::host_user_name(0).value_or("") == "root");
    const passwd* pw = ::getpwuid(::getuid());
    BOOST_REQUIRE(pw);
    BOOST_TEST(berth::passwd::host_user_name(::getuid()).value_or("") == pw->pw_name);
}
