// Parsers of the driver's /proc files.
#include "hooks/nvidia/proc_driver.hpp"
#include "test_util.hpp"

#include <boost/test/unit_test.hpp>

namespace berth::nvidia {
namespace {

constexpr const char* kInformation =
    "Model: \t\t NVIDIA A100-SXM4-40GB\n"
    "IRQ:   \t\t 164\n"
    "GPU UUID: \t GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e\n"
    "Video BIOS: \t 92.00.36.00.02\n"
    "Bus Type: \t PCIe\n"
    "DMA Size: \t 47 bits\n"
    "DMA Mask: \t 0x7fffffffffff\n"
    "Bus Location: \t 0000:07:00.0\n"
    "Device Minor: \t 3\n"
    "GPU Excluded:\t No\n";

BOOST_AUTO_TEST_SUITE(proc_driver)

BOOST_AUTO_TEST_CASE(version_from_the_proprietary_banner) {
    BOOST_TEST(parse_driver_version("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 "
                                    "22:23:56 UTC 2024\nGCC version:  gcc version 12.2.0\n",
                                    "v") == "550.54.15");
    BOOST_TEST(parse_driver_version("NVRM version: NVIDIA UNIX Kernel Module for aarch64  535.161.08  "
                                    "Release Build  (dvs-builder@U16)  Tue\n",
                                    "v") == "535.161.08");
}

BOOST_AUTO_TEST_CASE(version_from_the_open_banner) {
    BOOST_TEST(
        parse_driver_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  555.58.02  "
                             "Release Build  (dvs-builder@U16-I3-B03-4-3)  Tue Jun 25 01:44:08 UTC 2024\n",
                             "v") == "555.58.02");
}

BOOST_AUTO_TEST_CASE(version_errors) {
    NV_CHECK_THROWS_WITH(parse_driver_version("", "/proc/driver/nvidia/version"),
                         "/proc/driver/nvidia/version: no driver version");
    NV_CHECK_THROWS_WITH(parse_driver_version("GCC version: 12.2\n", "v"), "no driver version");
    NV_CHECK_THROWS_WITH(parse_driver_version("NVRM version: NVIDIA Kernel Module  x.y  \n", "v"),
                         "no driver version");
}

BOOST_AUTO_TEST_CASE(gpu_information) {
    GpuInformation info = parse_gpu_information(kInformation, "i");
    BOOST_TEST(info.model == "NVIDIA A100-SXM4-40GB");
    BOOST_TEST(info.uuid == "GPU-3b4ef2b0-6b3a-9f43-f16f-5e6b1f8f0c4e");
    BOOST_TEST(info.bus.str() == "0000:07:00.0");
    BOOST_TEST(info.minor == 3u);
}

BOOST_AUTO_TEST_CASE(gpu_information_errors) {
    std::string text = kInformation;
    auto without = [&](const std::string& key) {
        std::string t = text;
        size_t at = t.find(key);
        t.erase(at, t.find('\n', at) - at + 1);
        return t;
    };
    NV_CHECK_THROWS_WITH(parse_gpu_information(without("GPU UUID"), "info"), "info: no \"GPU UUID\" line");
    NV_CHECK_THROWS_WITH(parse_gpu_information(without("Bus Location"), "info"), "no \"Bus Location\"");
    NV_CHECK_THROWS_WITH(parse_gpu_information(without("Device Minor"), "info"), "no \"Device Minor\"");
    NV_CHECK_THROWS_WITH(parse_gpu_information("GPU UUID: 1234\n", "info"), "bad GPU UUID");
    NV_CHECK_THROWS_WITH(parse_gpu_information("Bus Location: 0000:zz:00.0\n", "info"), "bad bus location");
    NV_CHECK_THROWS_WITH(parse_gpu_information("Device Minor: 255\n", "info"), "bad device minor");
    NV_CHECK_THROWS_WITH(parse_gpu_information("Device Minor: -1\n", "info"), "bad device minor");
}

BOOST_AUTO_TEST_CASE(pci_addresses) {
    BOOST_TEST(parse_pci_address("0000:01:00.0")->str() == "0000:01:00.0");
    BOOST_TEST(parse_pci_address("00000000:81:1F.7")->str() == "0000:81:1f.7");
    BOOST_TEST(parse_pci_address("0001:01:00.0")->domain == 1u);
    BOOST_TEST(parse_pci_address("01:00.0")->bus == 1u);
    for (const char* bad : {"", "0", "01:00", "01:00.8", "01:20.0", "001:00.0", "x:01:00.0",
                            "000000000:01:00.0", "0000:01:00.0.0", ":00.0", "01:.0"})
        BOOST_TEST(!parse_pci_address(bad), bad);
    BOOST_TEST((*parse_pci_address("0000:01:00.0") < *parse_pci_address("0000:02:00.0")));
}

BOOST_AUTO_TEST_CASE(proc_devices) {
    auto majors = parse_proc_devices(
        "Character devices:\n  1 mem\n195 nvidia-frontend\n195 nvidia\n"
        "195 nvidiactl\n510 nvidia-caps\n511 nvidia-uvm\n\nBlock devices:\n"
        "511 not-char\n  8 sd\n",
        "/proc/devices");
    BOOST_TEST(majors.at("nvidia-uvm") == 511u);
    BOOST_TEST(majors.at("nvidia") == 195u);
    BOOST_TEST(majors.count("sd") == 0u);
    BOOST_TEST(majors.count("not-char") == 0u);
    NV_CHECK_THROWS_WITH(parse_proc_devices("Block devices:\n  8 sd\n", "d"),
                         "no \"Character devices:\" section");
    NV_CHECK_THROWS_WITH(parse_proc_devices("Character devices:\nxyz nvidia\n", "d"),
                         "d: bad line \"xyz nvidia\"");
    NV_CHECK_THROWS_WITH(parse_proc_devices("Character devices:\n195\n", "d"), "bad line");
}

BOOST_AUTO_TEST_CASE(mig_minors) {
    auto m = parse_mig_minors("config 1\nmonitor 2\ngpu0/gi1/access 3\n\ngpu0/gi1/ci0/access 4\n", "mm");
    BOOST_REQUIRE_EQUAL(m.size(), 4u);
    BOOST_TEST(m[2].path == "gpu0/gi1/access");
    BOOST_TEST(m[3].minor == 4u);
    NV_CHECK_THROWS_WITH(parse_mig_minors("gpu0/gi1/access\n", "mm"), "mm: bad line");
    NV_CHECK_THROWS_WITH(parse_mig_minors("gpu0 x\n", "mm"), "bad line");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace berth::nvidia
