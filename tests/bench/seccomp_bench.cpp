// Seccomp compile vs cache-hit time for podman's default profile, the cache hit split
// into key and file read, and the kernel's time to load the program.
//
//   seccomp-bench [PROFILE_JSON] [RUNS]
//
// PROFILE_JSON defaults to /usr/share/containers/seccomp.json (containers-common). It
// is converted to an oci::Seccomp the way podman does for a default container on this
// architecture: entries gated on capabilities (includes.caps) are left out, entries
// gated on other architectures are left out, excludes are ignored (the default
// capability set has none of the excluded capabilities), and the archMap entry of the
// native architecture gives `architectures`.
#include "oci/json.hpp"
#include "sys/seccomp.hpp"
#include "sys/seccomp_cache.hpp"
#include "sys/seccomp_compile.hpp"
#include "sys/seccomp_ranges.hpp"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using berth::json::Value;
namespace oci = berth::oci;

#if defined(__x86_64__)
constexpr const char* kNativeArch = "SCMP_ARCH_X86_64";
constexpr const char* kGoArchs[] = {"amd64", "x32", "386"};
#elif defined(__aarch64__)
constexpr const char* kNativeArch = "SCMP_ARCH_AARCH64";
constexpr const char* kGoArchs[] = {"arm64", "arm"};
#else
#error "seccomp-bench knows x86_64 and aarch64"
#endif

std::vector<std::string> strings(const Value* v) {
    std::vector<std::string> out;
    if (v != nullptr) {
        for (const Value& item : v->items) out.push_back(item.text);
    }
    return out;
}

bool applies_here(const Value& entry) {
    const Value* includes = entry.find("includes");
    if (includes == nullptr) return true;
    if (!strings(includes->find("caps")).empty()) return false;
    std::vector<std::string> arches = strings(includes->find("arches"));
    if (arches.empty()) return true;
    return std::any_of(arches.begin(), arches.end(), [](const std::string& a) {
        return std::find(std::begin(kGoArchs), std::end(kGoArchs), a) != std::end(kGoArchs);
    });
}

oci::SeccompSyscall to_syscall(const Value& entry) {
    oci::SeccompSyscall out;
    out.names = strings(entry.find("names"));
    out.action = entry.find("action")->text;
    if (const Value* e = entry.find("errnoRet"); e != nullptr && e->kind == Value::Kind::number) {
        out.errno_ret = static_cast<std::uint32_t>(std::stoul(e->text));
    }
    if (const Value* args = entry.find("args"); args != nullptr) {
        for (const Value& a : args->items) {
            oci::SeccompArg arg;
            arg.index = static_cast<std::uint32_t>(std::stoul(a.find("index")->text));
            arg.value = std::stoull(a.find("value")->text);
            if (const Value* two = a.find("valueTwo"); two != nullptr) arg.value_two = std::stoull(two->text);
            arg.op = a.find("op")->text;
            out.args.push_back(arg);
        }
    }
    return out;
}

oci::Seccomp load_profile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    Value doc = berth::json::parse(text.str(), path);
    oci::Seccomp out;
    out.default_action = doc.find("defaultAction")->text;
    if (const Value* e = doc.find("defaultErrnoRet"); e != nullptr && e->kind == Value::Kind::number) {
        out.default_errno_ret = static_cast<std::uint32_t>(std::stoul(e->text));
    }
    if (const Value* arch_map = doc.find("archMap"); arch_map != nullptr) {
        for (const Value& m : arch_map->items) {
            if (m.find("architecture")->text != kNativeArch) continue;
            out.architectures.push_back(kNativeArch);
            for (const std::string& sub : strings(m.find("subArchitectures"))) out.architectures.push_back(sub);
        }
    }
    for (const Value& entry : doc.find("syscalls")->items) {
        if (applies_here(entry)) out.syscalls.push_back(to_syscall(entry));
    }
    return out;
}

struct Stats {
    double min_us;
    double median_us;
};

template <typename F>
Stats measure(int runs, F&& f) {
    std::vector<double> us;
    for (int i = 0; i < runs; ++i) {
        auto start = std::chrono::steady_clock::now();
        f();
        us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(us.begin(), us.end());
    return {us.front(), us[us.size() / 2]};
}

// seccomp(2) of the plan's program in forked children (no_new_privs set first): the
// kernel's side of loading the filter, timed in the child.
Stats measure_attach(int runs, const berth::sys::SeccompPlan& plan) {
    std::vector<double> us;
    for (int i = 0; i < runs; ++i) {
        int pipe_fds[2];
        if (pipe(pipe_fds) < 0) throw std::runtime_error("pipe failed");
        pid_t pid = fork();
        if (pid == 0) {
            prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            auto start = std::chrono::steady_clock::now();
            int rc = berth::sys::apply_seccomp(plan);
            double t = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
            if (rc < 0) t = -1;
            (void)!write(pipe_fds[1], &t, sizeof t);
            _exit(0);
        }
        double t = -1;
        close(pipe_fds[1]);
        (void)!read(pipe_fds[0], &t, sizeof t);
        close(pipe_fds[0]);
        waitpid(pid, nullptr, 0);
        if (t < 0) throw std::runtime_error("seccomp(2) failed in the child");
        us.push_back(t);
    }
    std::sort(us.begin(), us.end());
    return {us.front(), us[us.size() / 2]};
}

}  // namespace

int main(int argc, char** argv) {
    std::string path = argc > 1 ? argv[1] : "/usr/share/containers/seccomp.json";
    int runs = argc > 2 ? std::atoi(argv[2]) : 50;
    try {
        oci::Seccomp seccomp = load_profile(path);
        std::size_t names = 0;
        for (const auto& s : seccomp.syscalls) names += s.names.size();

        std::string cache = fmt::format("{}/berth-seccomp-bench-{}", std::filesystem::temp_directory_path().string(), getpid());
        std::filesystem::remove_all(cache);
        auto cold = measure(1, [&] { berth::sys::build_seccomp_plan(seccomp, cache); });
        berth::sys::SeccompPlan plan;
        auto compile = measure(runs, [&] { plan = berth::sys::build_seccomp_plan(seccomp, ""); });
        auto hit = measure(runs, [&] { berth::sys::build_seccomp_plan(seccomp, cache); });
        berth::sys::Sha256Digest key{};
        auto key_time = measure(runs, [&] { key = berth::sys::seccomp_cache_key(seccomp); });
        auto read_time = measure(runs, [&] { berth::sys::load_cached_seccomp(cache, key); });
        std::filesystem::remove_all(cache);
        auto attach = measure_attach(runs, plan);
        berth::sys::SeccompPlan tree = berth::sys::compile_seccomp(seccomp, berth::sys::SeccompShape::tree);
        auto rewrite = measure(runs, [&] { berth::sys::range_seccomp_program(tree.program); });
        auto tree_attach = measure_attach(runs, tree);

        fmt::print("profile: {} ({} rules, {} names, {} architectures) -> {} BPF instructions\n", path,
                   seccomp.syscalls.size(), names, seccomp.architectures.size(), plan.program.size());
        fmt::print("compile (libseccomp, no cache): min {:.0f} us, median {:.0f} us over {} runs\n", compile.min_us,
                   compile.median_us, runs);
        fmt::print("  of which the rewrite of libseccomp's {}-instruction tree as ranges: min {:.0f} us, median {:.0f} us\n",
                   tree.program.size(), rewrite.min_us, rewrite.median_us);
        fmt::print("first build with cache (compile + store): {:.0f} us\n", cold.min_us);
        fmt::print("cache hit (read + validate):     min {:.0f} us, median {:.0f} us over {} runs\n", hit.min_us,
                   hit.median_us, runs);
        fmt::print("  of which the key:              min {:.0f} us, median {:.0f} us\n", key_time.min_us, key_time.median_us);
        fmt::print("  of which reading the file:     min {:.0f} us, median {:.0f} us\n", read_time.min_us, read_time.median_us);
        fmt::print("seccomp(2) in a child (kernel checks, action cache, JIT): min {:.0f} us, median {:.0f} us\n",
                   attach.min_us, attach.median_us);
        fmt::print("  the same for libseccomp's tree: min {:.0f} us, median {:.0f} us\n", tree_attach.min_us, tree_attach.median_us);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "seccomp-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
