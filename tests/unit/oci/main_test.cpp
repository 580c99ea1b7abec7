// The one Boost.Test main of the oci unit tests.
#define BOOST_TEST_MODULE oci
#include <boost/test/unit_test.hpp>
