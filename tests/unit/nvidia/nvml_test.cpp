// NVML in a child: the brand table, matching its answer to the file-discovered GPUs and
// MIG devices, the query against the fake libnvidia-ml (tests/fixtures/fake_nvidia,
// configured through FAKE_NVIDIA_NVML_CONF), and inject_gpus() using it for brand/arch
// requirements and MIG-<uuid> names only.
#include "hooks/nvidia/inject.hpp"
#include "hooks/nvidia/nvml.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>

namespace berth::nvidia {
namespace {

using test::fake_config;
using test::fake_root;
using test::gpu_config;

std::string fake_libnvml() {
    return fake_root() + "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.54.15";
}

// Points the fake NVML at a config of the test's own for the guard's lifetime; the
// fixture's proc line is kept so it still finds the fake GPUs.
class FakeNvmlConf {
public:
    explicit FakeNvmlConf(const std::string& lines) {
        path_ = dir_.write("fake-nvml.conf", "proc " + fake_root() + "/proc\n" + lines);
        ::setenv("FAKE_NVIDIA_NVML_CONF", path_.c_str(), 1);
    }
    ~FakeNvmlConf() { ::unsetenv("FAKE_NVIDIA_NVML_CONF"); }
    FakeNvmlConf(const FakeNvmlConf&) = delete;
    FakeNvmlConf& operator=(const FakeNvmlConf&) = delete;

private:
    test::TempDir dir_;
    std::string path_;
};

std::vector<std::string> node_paths(const oci::Config& c) {
    std::vector<std::string> out;
    for (const auto& d : c.linux_->devices) out.push_back(d.path);
    return out;
}

BOOST_AUTO_TEST_SUITE(nvml)

BOOST_AUTO_TEST_CASE(brand_names_as_cuda_images_spell_them) {
    BOOST_TEST(brand_name(0) == "unknown");
    BOOST_TEST(brand_name(1) == "quadro");
    BOOST_TEST(brand_name(2) == "tesla");
    BOOST_TEST(brand_name(5) == "geforce");
    BOOST_TEST(brand_name(6) == "titan");
    BOOST_TEST(brand_name(12) == "quadrortx");
    BOOST_TEST(brand_name(13) == "nvidiartx");
    BOOST_TEST(brand_name(14) == "nvidia");
    BOOST_TEST(brand_name(15) == "geforcertx");
    BOOST_TEST(brand_name(16) == "titanrtx");
    BOOST_TEST(brand_name(17) == "unknown");
    BOOST_TEST(brand_name(-1) == "unknown");
}

BOOST_AUTO_TEST_CASE(answer_matches_gpus_and_migs_by_uuid) {
    NvmlInfo info{{{"GPU-aaaa", "tesla", "8.0", {{"MIG-1", 1, 0}, {"MIG-2", 2, 0}}}, {"GPU-bbbb", std::nullopt, "9.0", {}}}};
    BOOST_REQUIRE(find_nvml_gpu(info, "gpu-AAAA"));
    BOOST_TEST(*find_nvml_gpu(info, "gpu-AAAA")->brand == "tesla");
    BOOST_TEST(find_nvml_gpu(info, "GPU-cccc") == nullptr);
    BOOST_TEST(find_nvml_gpu(info, "GPU-aaa") == nullptr);
    BOOST_TEST(nvml_mig_uuid(info, "GPU-aaaa", 2, 0) == "MIG-2");
    BOOST_TEST(nvml_mig_uuid(info, "GPU-aaaa", 2, 1).empty());
    BOOST_TEST(nvml_mig_uuid(info, "GPU-bbbb", 1, 0).empty());
}

BOOST_AUTO_TEST_CASE(query_reads_the_fake_library_in_a_child) {
    NEEDS_FAKE_ROOT();
    FakeNvmlConf conf("brand 1 15\ncc 1 7 5\nmig 0 1 0 MIG-00000000-0001-0000-0000-000000000000\n"
                      "mig 0 2 0 MIG-00000000-0002-0000-0000-000000000000\n");
    std::string why;
    auto start = std::chrono::steady_clock::now();
    std::optional<NvmlInfo> info = query_nvml(fake_libnvml(), why);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST_MESSAGE("NVML child query: " << ms.count() << " ms");
    BOOST_REQUIRE_MESSAGE(info, why);
    BOOST_REQUIRE_EQUAL(info->gpus.size(), 2u);
    BOOST_TEST(info->gpus[0].uuid == "GPU-00000000-0000-0000-0000-000000000000");
    BOOST_TEST(info->gpus[0].brand.value_or("") == "tesla");  // the fake's default
    BOOST_TEST(info->gpus[0].arch.value_or("") == "8.0");
    BOOST_REQUIRE_EQUAL(info->gpus[0].migs.size(), 2u);
    BOOST_TEST(info->gpus[0].migs[1].uuid == "MIG-00000000-0002-0000-0000-000000000000");
    BOOST_TEST(info->gpus[0].migs[1].gi == 2u);
    BOOST_TEST(info->gpus[1].brand.value_or("") == "geforcertx");
    BOOST_TEST(info->gpus[1].arch.value_or("") == "7.5");
    BOOST_TEST(info->gpus[1].migs.empty());  // MIG mode off
}

BOOST_AUTO_TEST_CASE(query_failures_say_why) {
    NEEDS_FAKE_ROOT();
    std::string why;
    BOOST_TEST(!query_nvml("/nonexistent/libnvidia-ml.so.1", why));
    BOOST_TEST(why == "cannot load '/nonexistent/libnvidia-ml.so.1'");
    BOOST_TEST(!query_nvml(fake_root() + "/usr/lib/x86_64-linux-gnu/libnvidia-cfg.so.550.54.15", why));
    BOOST_TEST(why.find("lacks nvmlInit_v2") != std::string::npos);
    {
        FakeNvmlConf conf("init-error 9\n");
        BOOST_TEST(!query_nvml(fake_libnvml(), why));
        BOOST_TEST(why == "nvmlInit_v2 failed with NVML error 9");
    }
    FakeNvmlConf conf("hang\n");
    auto start = std::chrono::steady_clock::now();
    BOOST_TEST(!query_nvml(fake_libnvml(), why, std::chrono::milliseconds(300)));
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST(why.find("no answer from") != std::string::npos);
    BOOST_TEST(ms.count() < 3000);  // killed at the deadline, not waited for
}

BOOST_AUTO_TEST_CASE(inject_checks_brand_and_arch_per_selected_gpu) {
    NEEDS_FAKE_ROOT();
    FakeNvmlConf conf("brand 1 5\ncc 1 7 0\n");  // GPU 1: GeForce, compute capability 7.0
    oci::Config allowed = gpu_config({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_BRAND=brand=tesla",
                                 "NVIDIA_REQUIRE_ARCH=arch>=8.0"});
    BOOST_CHECK_NO_THROW(inject_gpus(allowed, fake_config(), "/"));
    oci::Config brand = gpu_config({"NVIDIA_VISIBLE_DEVICES=0,1", "NVIDIA_REQUIRE_BRAND=brand=tesla"});
    oci::Config before = brand;
    NV_CHECK_THROWS_WITH(inject_gpus(brand, fake_config(), "/"),
                         "unsatisfied condition: brand=tesla (NVIDIA_REQUIRE_BRAND; GPU 1 "
                         "GPU-00000000-0000-0000-0000-000000000001: brand geforce, arch 7.0;");
    BOOST_TEST((brand == before));
    oci::Config arch = gpu_config({"NVIDIA_VISIBLE_DEVICES=1", "NVIDIA_REQUIRE_ARCH=arch>=7.5"});
    NV_CHECK_THROWS_WITH(inject_gpus(arch, fake_config(), "/"), "unsatisfied condition: arch>=7.5");
    // A MIG device is checked as its parent GPU.
    oci::Config mig = gpu_config({"NVIDIA_VISIBLE_DEVICES=0:1:0", "NVIDIA_REQUIRE_BRAND=brand=geforce"});
    NV_CHECK_THROWS_WITH(inject_gpus(mig, fake_config(), "/"), "GPU 0 GPU-00000000-0000-0000-0000-000000000000: brand tesla");
}

BOOST_AUTO_TEST_CASE(inject_without_nvml_treats_brand_and_arch_as_satisfied_and_warns) {
    NEEDS_FAKE_ROOT();
    FakeNvmlConf conf("init-error 9\n");
    oci::Config c = gpu_config({"NVIDIA_VISIBLE_DEVICES=1", "NVIDIA_REQUIRE_BRAND=brand=geforce"});
    InjectResult r = inject_gpus(c, fake_config(), "/");
    BOOST_TEST(r.requested);
    bool warned = false;
    for (const std::string& w : r.warnings)
        warned |= w == "nvidia: NVML unavailable (nvmlInit_v2 failed with NVML error 9): brand and arch "
                       "requirements count as satisfied";
    BOOST_TEST(warned);
    oci::Config mig = gpu_config({"NVIDIA_VISIBLE_DEVICES=MIG-00000000-0001-0000-0000-000000000000"});
    NV_CHECK_THROWS_WITH(inject_gpus(mig, fake_config(), "/"),
                         "MIG UUIDs need NVML (libnvidia-ml): nvmlInit_v2 failed with NVML error 9;");
}

BOOST_AUTO_TEST_CASE(nvml_is_asked_only_when_needed) {
    NEEDS_FAKE_ROOT();
    FakeNvmlConf conf("hang\n");  // any query would take the full 10 s timeout
    oci::Config c = gpu_config({"NVIDIA_VISIBLE_DEVICES=0:1:0,1", "NVIDIA_REQUIRE_CUDA=cuda>=12.0 driver>=550"});
    auto start = std::chrono::steady_clock::now();
    InjectResult r = inject_gpus(c, fake_config(), "/");
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    BOOST_TEST(r.requested);
    BOOST_TEST(ms.count() < 5000);
    for (const std::string& w : r.warnings) BOOST_TEST(w.find("NVML") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(inject_resolves_mig_uuids_to_the_file_based_device) {
    NEEDS_FAKE_ROOT();
    // The fixture's own config: MIG-<gpu>-<gi>-<ci>-... for 0/1/0, 0/1/1, 0/2/0.
    oci::Config c = gpu_config({"NVIDIA_VISIBLE_DEVICES=MIG-00000000-0002-0000-0000-000000000000",
                                "NVIDIA_DRIVER_CAPABILITIES=utility"});
    inject_gpus(c, fake_config(), "/");
    BOOST_TEST(node_paths(c) == (std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia0",
                                                          "/dev/nvidia-caps/nvidia-cap21",
                                                          "/dev/nvidia-caps/nvidia-cap22"}));
    // mask-procfs gets the GI's and the CI's access files.
    const auto& args = c.hooks->create_container.back().args;
    BOOST_TEST((std::vector<std::string>(args.end() - 4, args.end()) ==
                std::vector<std::string>{"--caps", "gpu0/mig/gi2/access", "--caps", "gpu0/mig/gi2/ci0/access"}));
    oci::Config bad = gpu_config({"NVIDIA_VISIBLE_DEVICES=MIG-00000000-0009-0000-0000-000000000000"});
    NV_CHECK_THROWS_WITH(inject_gpus(bad, fake_config(), "/"),
                         "MIG 0:2 = 0:2:0 MIG-00000000-0002-0000-0000-000000000000)");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
