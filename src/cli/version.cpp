// `berth --version`. The first three lines have runc's shape ("<name> version X",
// "commit: …", "spec: …"): go-runc, podman and docker parse them. Library versions follow;
// none of those lines may contain the word "version", which docker's parser looks for.
#include "cli/berth_commit.h"
#include "cli/command.hpp"
#include "oci/config.hpp"
#include "oci/json.hpp"

#include <berth_build_info.h>
#include <fmt/format.h>
#include <seccomp.h>

namespace berth::cli {

std::string version_text() {
    const scmp_version* seccomp = seccomp_version();
    return fmt::format(
        "berth version {}\n"
        "commit: {}\n"
        "spec: {}\n"
        "libseccomp: {}.{}.{}\n"
        "yajl: {}\n"
        "fmt: {}.{}.{}\n",
        BERTH_VERSION, BERTH_COMMIT, oci::kSpecVersion, seccomp->major, seccomp->minor,
        seccomp->micro, json::library_version(),
        FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
}

}  // namespace berth::cli
