// cdi generate [--driver-root R] [--dev-root D] [--proc-root P] [--format json|yaml]
//              [--output FILE] [--kind vendor/class]
// A CDI spec for this host's GPUs, like `nvidia-ctk cdi generate`. Defaults come from
// the berth config file's "nvidia" object; the format from the output's extension
// (.json), else YAML.
#include "hook_common.hpp"

#include "hooks/nvidia/cdi_generate.hpp"
#include "hooks/nvidia/config.hpp"
#include "hooks/nvidia/nvml.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>

namespace berth::hook {
namespace {

void write_output(const std::string& path, const std::string& text) {
    if (path.empty() || path == "-") {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    // Written next to the target and renamed, so a CDI cache never reads half a spec.
    std::string tmp = path + ".tmp";
    UniqueFd fd(::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644));
    if (!fd) throw_errno("write '{}'", tmp);
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fsync(fd.get()) != 0)
        throw_errno("write '{}'", tmp);
    if (::rename(tmp.c_str(), path.c_str()) != 0) throw_errno("rename '{}' to '{}'", tmp, path);
}

}  // namespace

int cmd_cdi(const Args& args) {
    if (args.empty() || args[0] != "generate") throw_error("usage: cdi generate [options]");
    nvidia::NvidiaConfig nv = nvidia::load_nvidia_config();
    nvidia::CdiGenerateOptions options;
    std::string format, output;
    for (const auto& [name, value] :
         parse_options(Args(args.begin() + 1, args.end()),
                       {"--driver-root", "--dev-root", "--proc-root", "--format", "--output", "--kind"})) {
        if (name != "--format" && name != "--output" && name != "--kind" && !value.starts_with('/'))
            throw_error("{} '{}' must be an absolute path", name, value);
        if (name == "--driver-root") nv.driver_root = value;
        if (name == "--dev-root") nv.dev_root = value;
        if (name == "--proc-root") nv.proc_root = value;
        if (name == "--format") format = value;
        if (name == "--output") output = value;
        if (name == "--kind") options.kind = value;
    }
    if (format.empty()) format = output.ends_with(".json") ? "json" : "yaml";
    if (format != "json" && format != "yaml") throw_error("--format '{}': json or yaml", format);
    nvidia::Driver driver = nvidia::discover_driver({nv.driver_root, nv.effective_dev_root(), nv.proc_root});
    for (const std::string& w : driver.warnings) warn(w);
    options.hook_path = nvidia::effective_hook_path(nv);
    options.ldconfig = nvidia::effective_ldconfig(nv);
    options.proc_root = nv.proc_root;
    // Only NVML knows MIG UUIDs; without an answer the MIG devices keep their index names.
    if (!driver.migs.empty()) {
        std::string why = "libnvidia-ml.so." + driver.version + " not found in the driver root";
        if (driver.libnvml) options.nvml = nvidia::query_nvml(*driver.libnvml, why);
        if (!options.nvml) warn("nvidia: MIG devices listed without their MIG-<uuid> names: NVML: " + why);
    }
    nvidia::CdiSpec spec = nvidia::generate_cdi_spec(driver, options);
    write_output(output, format == "json" ? nvidia::to_cdi_json(spec) : nvidia::to_cdi_yaml(spec));
    return 0;
}

}  // namespace berth::hook
