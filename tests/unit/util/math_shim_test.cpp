// src/util/math_shim.cpp: the libm functions berth defines itself. The test binary links
// berth-core, so these calls reach the shim, not libm.
#include <boost/test/unit_test.hpp>

#include <cfenv>
#include <climits>
#include <cmath>
#include <limits>

namespace {

bool same(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return a == b && std::signbit(a) == std::signbit(b);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(math_shim)

BOOST_AUTO_TEST_CASE(ceil_is_exact_and_keeps_the_sign_of_zero) {
    const double inf = std::numeric_limits<double>::infinity();
    const struct {
        double in, want;
    } cases[] = {{0.0, 0.0},
                 {-0.0, -0.0},
                 {0.5, 1.0},
                 {-0.5, -0.0},
                 {1.0, 1.0},
                 {2.5, 3.0},
                 {-2.5, -2.0},
                 {std::nextafter(1.0, 2.0), 2.0},
                 {0x1p-1074, 1.0},
                 {-0x1p-1074, -0.0},
                 {4503599627370495.5, 4503599627370496.0},
                 {-4503599627370495.5, -4503599627370495.0},
                 {0x1p52, 0x1p52},
                 {1e300, 1e300},
                 {-1e300, -1e300},
                 {inf, inf},
                 {-inf, -inf},
                 {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()}};
    for (const auto& c : cases) {
        volatile double in = c.in;  // no constant folding: the shim itself
        BOOST_TEST(same(std::ceil(in), c.want), c.in << " -> " << std::ceil(in));
    }
}

BOOST_AUTO_TEST_CASE(llround_rounds_half_away_from_zero) {
    const struct {
        double in;
        long long want;
    } cases[] = {{0.0, 0},  {0.5, 1},  {-0.5, -1}, {2.5, 3}, {-2.5, -3}, {0.49999999999999994, 0},
                 {1.4999999999999998, 1}, {-1.4999999999999998, -1}, {4503599627370497.0, 4503599627370497LL},
                 {9223372036854774784.0, 9223372036854774784LL}, {1e19, LLONG_MIN}};
    for (const auto& c : cases) {
        volatile double in = c.in;
        BOOST_TEST(std::llround(in) == c.want, c.in);
    }
}

BOOST_AUTO_TEST_CASE(rounding_mode_is_set_and_read_back) {
    volatile double one = 1.0, three = 3.0;
    for (int mode : {FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO, FE_TONEAREST}) {
        BOOST_TEST(std::fesetround(mode) == 0);
        BOOST_TEST(std::fegetround() == mode);
    }
    BOOST_TEST(std::fesetround(FE_UPWARD) == 0);
    double up = one / three;
    BOOST_TEST(std::fesetround(FE_DOWNWARD) == 0);
    double down = one / three;
    BOOST_TEST(std::fesetround(FE_TONEAREST) == 0);
    BOOST_TEST(up > down);  // SSE arithmetic follows the mode, not only the x87 word
    BOOST_TEST(std::fesetround(0x123) != 0);
    BOOST_TEST(std::fegetround() == FE_TONEAREST);
}

BOOST_AUTO_TEST_SUITE_END()
