#include "sys/capabilities.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <sys/capability.h>

#include <cstdlib>

namespace berth::sys {

int kernel_last_cap() {
    static int cached = -1;
    if (cached < 0) {
        auto text = fs::read_file_if_exists("/proc/sys/kernel/cap_last_cap");
        cached = text ? std::atoi(text->c_str()) : CAP_LAST_CAP;
    }
    return cached;
}

bool have_capability(int cap) {
    cap_t caps = cap_get_proc();
    if (caps == nullptr) return false;
    cap_flag_value_t value = CAP_CLEAR;
    cap_get_flag(caps, static_cast<cap_value_t>(cap), CAP_EFFECTIVE, &value);
    cap_free(caps);
    return value == CAP_SET;
}

namespace {

std::uint64_t to_mask(const std::vector<std::string>& names, const char* set, int last_cap) {
    std::uint64_t mask = 0;
    for (size_t i = 0; i < names.size(); ++i) {
        cap_value_t value = 0;
        if (cap_from_name(names[i].c_str(), &value) != 0)
            throw_error(".process.capabilities.{}[{}]: unknown capability \"{}\"", set, i, names[i]);
        if (value > last_cap) {
            log::warn("capability \"{}\" is not known to the running kernel: skipped", names[i]);
            continue;
        }
        mask |= std::uint64_t{1} << value;
    }
    return mask;
}

}  // namespace

CapabilityPlan build_capability_plan(const std::optional<oci::Capabilities>& caps) {
    CapabilityPlan plan;
    plan.last_cap = kernel_last_cap();
    if (!caps) return plan;
    plan.present = true;
    plan.bounding = to_mask(caps->bounding, "bounding", plan.last_cap);
    plan.effective = to_mask(caps->effective, "effective", plan.last_cap);
    plan.permitted = to_mask(caps->permitted, "permitted", plan.last_cap);
    plan.inheritable = to_mask(caps->inheritable, "inheritable", plan.last_cap);
    plan.ambient = to_mask(caps->ambient, "ambient", plan.last_cap);
    return plan;
}

}  // namespace berth::sys
