// berth check [--bundle DIR]: validate a bundle without running it.
#include "cli/args.hpp"
#include "cli/command.hpp"
#include "cli/spec.hpp"
#include "oci/parse.hpp"
#include "util/error.hpp"
#include "util/unique_fd.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace berth::cli {
namespace {

std::string read_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open \"{}\"", path);
    std::string text;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read \"{}\"", path);
        if (n == 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

// What is wrong with `path` as a directory, or "" if nothing.
std::string directory_problem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fmt::format("\"{}\": {}", path, std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return fmt::format("\"{}\" is not a directory", path);
    return {};
}

// What is wrong with `path` as a hook program, or "" if nothing. Hooks run in the runtime
// namespace (config.md#posix-platform-hooks), so the host path is the one that counts.
std::string executable_problem(const std::string& path) {
    if (path.empty() || path[0] != '/') return fmt::format("\"{}\" is not an absolute path", path);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return fmt::format("\"{}\": {}", path, std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return fmt::format("\"{}\" is not a regular file", path);
    if (::access(path.c_str(), X_OK) != 0) return fmt::format("\"{}\" is not executable", path);
    return {};
}

void check_hooks(const oci::Hooks& hooks, const std::string& source, std::vector<std::string>& out) {
    const std::pair<const char*, const std::vector<oci::Hook>*> lists[] = {
        {"prestart", &hooks.prestart},           {"createRuntime", &hooks.create_runtime},
        {"createContainer", &hooks.create_container}, {"startContainer", &hooks.start_container},
        {"poststart", &hooks.poststart},         {"poststop", &hooks.poststop},
    };
    for (const auto& [name, list] : lists) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            auto problem = executable_problem((*list)[i].path);
            if (!problem.empty()) out.push_back(fmt::format("{}: .hooks.{}[{}].path: {}", source, name, i, problem));
        }
    }
}

}  // namespace

std::vector<std::string> check_bundle(const std::string& bundle) {
    std::string source = bundle + "/config.json";
    oci::Config config;
    try {
        config = oci::parse_config(read_file(source), source);
    } catch (const Error& e) {
        return {e.what()};
    }
    std::vector<std::string> problems;
    if (!config.root) {
        problems.push_back(fmt::format("{}: .root: missing (berth needs a root filesystem)", source));
    } else {
        const std::string& path = config.root->path;
        auto problem = directory_problem(!path.empty() && path[0] == '/' ? path : bundle + "/" + path);
        if (!problem.empty()) problems.push_back(fmt::format("{}: .root.path: {}", source, problem));
    }
    if (config.hooks) check_hooks(*config.hooks, source, problems);
    return problems;
}

CommandOptions parse_check(std::span<const std::string> args) {
    CheckOptions options;
    FlagSet flags("berth check [options]",
                  "Check a bundle without running it: config.json must parse and validate\n"
                  "against runtime-spec 1.3, the rootfs must be a directory and hook paths\n"
                  "executable files. Prints \"ok\", or one line per problem and exits 1.");
    flags.string("bundle,b", "DIR", options.bundle, "bundle directory (default: the current directory)");
    auto result = flags.parse(args, Order::interleaved);
    if (result.help) return HelpRequest{flags.help()};
    expect_arguments(result.positionals, 0, 0, "no arguments");
    return options;
}

int run_check(const runtime::GlobalOptions&, const CommandOptions& parsed) {
    auto problems = check_bundle(std::get<CheckOptions>(parsed).bundle);
    if (problems.empty()) {
        std::puts("ok");
        return 0;
    }
    for (const auto& problem : problems) std::fprintf(stderr, "%s\n", problem.c_str());
    return 1;
}

}  // namespace berth::cli
