// NVIDIA_REQUIRE_* expressions: OR of ANDs, version and brand comparisons.
#include "hooks/nvidia/requirements.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

namespace berth::nvidia {
namespace {

RequireFacts facts(std::optional<std::string> cuda, std::optional<std::string> driver,
                   std::optional<std::string> brand = std::nullopt,
                   std::optional<std::string> arch = std::nullopt) {
    return RequireFacts{cuda, driver, arch, brand};
}

bool holds(const char* expr, const RequireFacts& f) {
    return satisfied(parse_requirement("NVIDIA_REQUIRE_CUDA", expr), f);
}

BOOST_AUTO_TEST_SUITE(requirements)

BOOST_AUTO_TEST_CASE(version_comparison_is_numeric_by_parts) {
    BOOST_TEST(*compare_versions("12.4", "12.4.0") == 0);
    BOOST_TEST(*compare_versions("12.10", "12.9") == 1);
    BOOST_TEST(*compare_versions("470", "470.57.02") == -1);
    BOOST_TEST(*compare_versions("550.54.15", "550.54.15") == 0);
    BOOST_TEST(!compare_versions("12.x", "12"));
    BOOST_TEST(!compare_versions("", "1"));
    BOOST_TEST(!compare_versions("1..2", "1"));
    BOOST_TEST(!compare_versions("1.", "1"));
}

BOOST_AUTO_TEST_CASE(every_operator) {
    auto f = facts("12.4", "550.54.15");
    BOOST_TEST(holds("cuda=12.4", f));
    BOOST_TEST(holds("cuda=12.4.0", f));
    BOOST_TEST(!holds("cuda!=12.4", f));
    BOOST_TEST(holds("cuda<12.5", f));
    BOOST_TEST(!holds("cuda<12.4", f));
    BOOST_TEST(holds("cuda<=12.4", f));
    BOOST_TEST(holds("cuda>12.3", f));
    BOOST_TEST(holds("cuda>=12.4", f));
    BOOST_TEST(!holds("cuda>=12.8", f));
    BOOST_TEST(holds("driver>=470", f));
    BOOST_TEST(!holds("driver<471", f));
}

BOOST_AUTO_TEST_CASE(space_is_or_and_comma_is_and) {
    auto f = facts("12.4", "550.54.15", "tesla");
    const char* cuda_image =
        "cuda>=12.4 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=535,driver<536";
    BOOST_TEST(holds(cuda_image, f));
    BOOST_TEST(holds("cuda>=12.8 brand=tesla,driver>=550", f));
    BOOST_TEST(!holds("cuda>=12.8 brand=tesla,driver>=560", f));
    BOOST_TEST(!holds("cuda>=12.8 brand=geforce,driver>=550", f));
    BOOST_TEST(holds("cuda>=12.8 brand=TESLA,driver>=550", f));  // brand is case-insensitive
    BOOST_TEST(holds("brand!=geforce", f));
}

BOOST_AUTO_TEST_CASE(unknown_facts_and_keys_are_satisfied) {
    auto f = facts(std::nullopt, "550.54.15");
    BOOST_TEST(holds("cuda>=99.0", f));
    BOOST_TEST(holds("brand=tesla", f));
    BOOST_TEST(holds("arch>=9.0", f));
    BOOST_TEST(holds("foo=bar", f));
    BOOST_TEST(!holds("foo=bar,driver>=600", f));
    BOOST_TEST(holds("", f));
    BOOST_TEST(holds("   ", f));
}

BOOST_AUTO_TEST_CASE(malformed_expressions_are_invalid) {
    for (const char* bad : {"cuda", "cuda>", ">=12", "cuda=>12", "cuda~12", "cuda>=12.x", "brand>tesla",
                            "cuda==12", "cu da>=12", "driver>=1..2", "cuda>=12,"}) {
        BOOST_TEST_CONTEXT(bad) {
            if (std::string(bad) == "cuda>=12,") {
                BOOST_TEST(parse_requirement("R", bad).any_of.at(0).size() == 1u);  // empty term skipped
                continue;
            }
            NV_CHECK_THROWS_WITH(parse_requirement("NVIDIA_REQUIRE_X", bad), "invalid expression");
        }
    }
}

BOOST_AUTO_TEST_CASE(failure_quotes_the_first_term_and_the_versions) {
    std::vector<Requirement> reqs{
        parse_requirement("NVIDIA_REQUIRE_CUDA", "cuda>=12.8 brand=tesla,driver>=560")};
    NV_CHECK_THROWS_WITH(check_requirements(reqs, {facts("12.4", "550.54.15", "tesla")}),
                         "nvidia: requirement error: unsatisfied condition: cuda>=12.8 (NVIDIA_REQUIRE_CUDA; "
                         "driver 550.54.15 supports CUDA 12.4)");
    BOOST_CHECK_NO_THROW(check_requirements(reqs, {facts("12.8", "550.54.15")}));
    // All requirements are ANDed, and each GPU must satisfy them.
    reqs.push_back(parse_requirement("NVIDIA_REQUIRE_BRAND", "brand=tesla"));
    NV_CHECK_THROWS_WITH(
        check_requirements(reqs, {facts("12.8", "1", "tesla"), facts("12.8", "1", "geforce")}),
        "unsatisfied condition: brand=tesla");
}

BOOST_AUTO_TEST_CASE(brand_and_arch_are_checked_when_known) {
    auto f = facts("12.4", "550.54.15", "geforcertx", "7.5");
    BOOST_TEST(!holds("brand=tesla", f));
    BOOST_TEST(holds("brand=GeForceRTX", f));
    BOOST_TEST(holds("brand!=tesla", f));
    // arch compares as a version: 7.5 < 8.0, 7.5 == 7.5.0, 7.5 > 7.
    BOOST_TEST(!holds("arch>=8.0", f));
    BOOST_TEST(holds("arch>=7.0", f));
    BOOST_TEST(holds("arch=7.5.0", f));
    BOOST_TEST(holds("arch>7", f));
    BOOST_TEST(holds("arch>=8.0 brand=geforcertx", f));  // OR
    BOOST_TEST(!holds("arch>=7.0,brand=tesla", f));      // AND
}

BOOST_AUTO_TEST_CASE(brand_failure_names_the_gpu_and_its_brand) {
    std::vector<Requirement> reqs{parse_requirement("NVIDIA_REQUIRE_BRAND", "brand=geforce")};
    RequireFacts gpu0 = facts("12.4", "550.54.15", "tesla", "8.0");
    gpu0.device = "GPU 0 GPU-0";
    NV_CHECK_THROWS_WITH(check_requirements(reqs, {gpu0}),
                         "nvidia: requirement error: unsatisfied condition: brand=geforce (NVIDIA_REQUIRE_BRAND; "
                         "GPU 0 GPU-0: brand tesla, arch 8.0; driver 550.54.15 supports CUDA 12.4)");
    // Every selected GPU must satisfy it: the second one fails and is the one named.
    RequireFacts gpu1 = facts("12.4", "550.54.15", "tesla", "7.0");
    gpu1.device = "GPU 1 GPU-1";
    reqs = {parse_requirement("NVIDIA_REQUIRE_ARCH", "arch>=8.0")};
    NV_CHECK_THROWS_WITH(check_requirements(reqs, {gpu0, gpu1}), "arch>=8.0 (NVIDIA_REQUIRE_ARCH; GPU 1 GPU-1: brand tesla, arch 7.0;");
    gpu1.arch.reset();  // NVML did not answer for it
    BOOST_CHECK_NO_THROW(check_requirements(reqs, {gpu0, gpu1}));
}

BOOST_AUTO_TEST_CASE(uses_key_finds_brand_and_arch_terms) {
    std::vector<Requirement> reqs{parse_requirement("NVIDIA_REQUIRE_CUDA", "cuda>=12.0 driver>=550")};
    BOOST_TEST(!uses_key(reqs, {"brand", "arch"}));
    reqs.push_back(parse_requirement("NVIDIA_REQUIRE_X", "cuda>=12.0 driver>=550,ARCH>=8.0"));
    BOOST_TEST(uses_key(reqs, {"brand", "arch"}));
    BOOST_TEST(uses_key({parse_requirement("R", "cuda>=12.4 brand=tesla,driver>=470")}, {"brand"}));
}

BOOST_AUTO_TEST_CASE(disable_require_uses_go_bool_spellings) {
    for (const char* t : {"1", "t", "T", "true", "TRUE", "True"}) BOOST_TEST(parse_go_bool_true(t));
    for (const char* f : {"0", "false", "yes", "", "tRuE"}) BOOST_TEST(!parse_go_bool_true(f));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
