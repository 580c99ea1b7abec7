// The seccomp unit-test executable (suite `seccomp` in meson).
#define BOOST_TEST_MODULE seccomp
#include <boost/test/unit_test.hpp>
