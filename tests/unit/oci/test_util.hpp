// Helpers shared by the oci unit tests.
#pragma once

#include "util/error.hpp"

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>

namespace berth::oci::test {

// A file of tests/unit/oci/fixtures (OCI_FIXTURES is set by meson.build).
inline std::string read_fixture(const std::string& name) {
    std::ifstream in(std::string(OCI_FIXTURES) + "/" + name, std::ios::binary);
    if (!in) {
        throw Error("cannot open fixture " + name);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The berth::Error message `body` throws, or "" when it does not throw.
inline std::string error_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

}  // namespace berth::oci::test

// Lets BOOST_TEST print the std::optional members of the model.
namespace boost::test_tools::tt_detail {
template <typename T>
struct print_log_value<std::optional<T>> {
    void operator()(std::ostream& os, const std::optional<T>& v) {
        if (v) {
            os << *v;
        } else {
            os << "nullopt";
        }
    }
};
}  // namespace boost::test_tools::tt_detail
