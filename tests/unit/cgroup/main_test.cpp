// The one Boost.Test main of the cgroup unit tests.
#define BOOST_TEST_MODULE cgroup
#include <boost/test/unit_test.hpp>
