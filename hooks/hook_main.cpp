// berth-nvidia-hook: NVIDIA GPU support as an OCI hook, for runc/crun users and for
// berth's own createContainer steps. See man/berth-nvidia-hook.1.
//
//   berth-nvidia-hook [hook]                 prestart / createRuntime: the whole injection
//   berth-nvidia-hook create-symlinks ...    createContainer steps the plan emits
//   berth-nvidia-hook update-ldcache ...
//   berth-nvidia-hook mask-procfs ...
//   berth-nvidia-hook print-edits [--bundle DIR]
//   berth-nvidia-hook cdi generate [...]
#include "hook_common.hpp"
#include "hooks/nvidia/vendor_answers.hpp"

#include "util/error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace {

// CVE-2025-23266: a hook that inherits LD_PRELOAD (or PATH, or anything) from
// somewhere it does not control can be made to run code with host privileges. Keep
// BERTH_CONFIG (the admin's choice of config file, set in the hook's own env) and
// replace everything else with a fixed PATH. The loader has already honoured LD_*
// variables by now, so a process that started with any re-executes itself clean
// (/proc/self/exe is this binary, not something from the image).
void clean_environment(char** argv) {
    bool loader_vars = false;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "LD_", 3) == 0) loader_vars = true;
    std::string config;
    if (const char* c = std::getenv("BERTH_CONFIG")) config = c;
    if (loader_vars) {
        std::string config_env = "BERTH_CONFIG=" + config;
        char path_env[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
        char* clean[] = {path_env, config.empty() ? nullptr : config_env.data(), nullptr};
        ::execve("/proc/self/exe", argv, clean);
        std::fprintf(stderr, "berth-nvidia-hook: re-exec with a clean environment: %s\n", std::strerror(errno));
        std::exit(1);
    }
    ::clearenv();
    ::setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1);
    if (!config.empty()) ::setenv("BERTH_CONFIG", config.c_str(), 1);
}

int dispatch(const std::string& command, const berth::hook::Args& args) {
    using namespace berth::hook;
    if (command == "hook" || command == "prestart" || command == "createRuntime") return cmd_hook(args);
    if (command == "print-edits") return cmd_print_edits(args);
    if (command == "cdi") return cmd_cdi(args);
    // Hidden (berth's own): a static berth cannot dlopen the driver's libraries, so its
    // query child runs `query-driver <nvml|cuda-version> <library>` here; see child_query.hpp.
    if (command == "query-driver" && args.size() == 2) {
        berth::nvidia::answer_query(args[0], args[1].c_str(), STDOUT_FILENO);
        berth::throw_error("unknown query '{}'", args[0]);
    }
    Container container = read_container();
    open_rootfs(container);
    if (!run_container_step(command, container, args))
        berth::throw_error("unknown command '{}' (hook, create-symlinks, update-ldcache, mask-procfs, "
                           "print-edits, cdi generate)", command);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    clean_environment(argv);
    ::umask(022);
    // The runtime's cwd may be the bundle or the rootfs: never work relative to it.
    if (::chdir("/") != 0) return 1;
    std::string command = argc > 1 ? argv[1] : "hook";
    berth::hook::Args args(argv + (argc > 1 ? 2 : 1), argv + argc);
    try {
        return dispatch(command, args);
    } catch (const std::exception& e) {
        // Container steps already name themselves.
        std::string what = e.what();
        if (what.starts_with(command + ": "))
            std::fprintf(stderr, "berth-nvidia-hook: %s\n", what.c_str());
        else
            std::fprintf(stderr, "berth-nvidia-hook: %s: %s\n", command.c_str(), what.c_str());
        return 1;
    }
}
