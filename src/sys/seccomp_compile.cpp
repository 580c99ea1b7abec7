#include "sys/seccomp_compile.hpp"

#include "sys/seccomp_enosys.hpp"
#include "sys/seccomp_ranges.hpp"
#include "util/error.hpp"
#include "util/log.hpp"
#include "util/unique_fd.hpp"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

namespace berth::sys {
namespace {

constexpr std::string_view kField = ".linux.seccomp";
constexpr std::uint32_t kMaxArgIndex = 5;  // seccomp_data.args has six entries
constexpr std::uint32_t kDefaultErrno = EPERM;  // runtime-spec: "The default is EPERM"

struct ActionName {
    const char* name;
    std::uint32_t action;  // SCMP_ACT_*, with a zero errno for ERRNO/TRACE
    bool takes_errno;      // ERRNO and TRACE carry errnoRet in SECCOMP_RET_DATA
};

constexpr ActionName kActions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
};

struct OperatorName {
    const char* name;
    scmp_compare op;
};

constexpr OperatorName kOperators[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

struct ArchName {
    const char* name;
    std::uint32_t arch;
};

// Only the architectures the linked libseccomp defines: naming one it lacks is an error
// rather than a filter that silently misses that ABI.
constexpr ArchName kArchs[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86}, {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32}, {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64}, {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL}, {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32}, {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64}, {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390}, {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC}, {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH}, {"SCMP_ARCH_SHEB", SCMP_ARCH_SHEB},
#endif
};

struct FlagName {
    const char* name;
    unsigned int flag;
};

constexpr FlagName kFlags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

template <typename T, std::size_t N>
constexpr std::array<const char*, N> names_of(const T (&table)[N]) {
    std::array<const char*, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = table[i].name;
    return out;
}

constexpr auto kActionNames = names_of(kActions);
constexpr auto kOperatorNames = names_of(kOperators);
constexpr auto kArchNames = names_of(kArchs);
constexpr auto kFlagNames = names_of(kFlags);

template <typename T, std::size_t N>
const T* find_by_name(const T (&table)[N], std::string_view name) {
    for (const T& entry : table) {
        if (name == entry.name) return &entry;
    }
    return nullptr;
}

struct ContextDeleter {
    void operator()(void* ctx) const noexcept { seccomp_release(ctx); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

// "SCMP_ACT_ERRNO" + errnoRet -> the libseccomp action value. `field` is the JSON path
// of the action member; errnoRet sits beside it under `errno_field`.
std::uint32_t resolve_action(const std::string& name, const std::optional<std::uint32_t>& errno_ret,
                             const std::string& field, const std::string& errno_field) {
    const ActionName* entry = find_by_name(kActions, name);
    if (entry == nullptr) throw_error("{}: unknown action \"{}\"", field, name);
    if (!entry->takes_errno) {
        // runtime-spec: "When the action doesn't support an errno, the runtime MUST
        // print an error and fail."
        if (errno_ret) throw_error("{}: action \"{}\" does not take an errno", errno_field, name);
        return entry->action;
    }
    std::uint32_t err = errno_ret.value_or(kDefaultErrno);
    // SECCOMP_RET_DATA is 16 bits; a larger value would be silently truncated.
    if (err > 0xffff) throw_error("{}: {} does not fit in 16 bits", errno_field, err);
    return entry->action | err;
}

// Returns the architectures of the filter as libseccomp tokens, the native one first.
std::vector<std::uint32_t> add_architectures(const Context& ctx, const oci::Seccomp& seccomp) {
    std::vector<std::uint32_t> tokens{seccomp_arch_native()};
    for (std::size_t i = 0; i < seccomp.architectures.size(); ++i) {
        const std::string& name = seccomp.architectures[i];
        const ArchName* entry = find_by_name(kArchs, name);
        if (entry == nullptr) throw_error("{}.architectures[{}]: unknown architecture \"{}\"", kField, i, name);
        int rc = seccomp_arch_add(ctx.get(), entry->arch);
        // The native architecture is always in a new filter.
        if (rc == -EEXIST) continue;
        tokens.push_back(entry->arch);
        // libseccomp cannot mix byte orders in one filter; runc and crun fail here too.
        if (rc == -EDOM) {
            throw_error("{}.architectures[{}]: \"{}\" cannot share a filter with the native architecture "
                        "(different byte order)", kField, i, name);
        }
        if (rc < 0) {
            throw Error(fmt::format("{}.architectures[{}]: add architecture \"{}\"", kField, i, name), -rc);
        }
    }
    return tokens;
}

std::vector<scmp_arg_cmp> resolve_args(const oci::SeccompSyscall& syscall, const std::string& field,
                                       bool& repeated_index) {
    std::vector<scmp_arg_cmp> out;
    std::array<int, kMaxArgIndex + 1> seen{};
    repeated_index = false;
    for (std::size_t j = 0; j < syscall.args.size(); ++j) {
        const oci::SeccompArg& arg = syscall.args[j];
        if (arg.index > kMaxArgIndex) {
            throw_error("{}.args[{}].index: {} is out of range 0-{}", field, j, arg.index, kMaxArgIndex);
        }
        const OperatorName* op = find_by_name(kOperators, arg.op);
        if (op == nullptr) throw_error("{}.args[{}].op: unknown operator \"{}\"", field, j, arg.op);
        if (++seen[arg.index] > 1) repeated_index = true;
        // For MASKED_EQ, datum_a is the mask and datum_b the value to compare with.
        out.push_back(scmp_arg_cmp{arg.index, op->op, arg.value, arg.value_two});
    }
    return out;
}

// Adds one name of syscalls[i]. libseccomp refuses two comparisons of the same
// argument in one rule; runc then adds one rule per comparison, so that any of them
// matches, and berth keeps that behaviour for profile compatibility.
void add_rule(const Context& ctx, std::uint32_t action, int nr, const std::vector<scmp_arg_cmp>& args,
              bool repeated_index, const std::string& field) {
    int rc = 0;
    if (!repeated_index) {
        rc = seccomp_rule_add_array(ctx.get(), action, nr, static_cast<unsigned int>(args.size()),
                                    args.empty() ? nullptr : args.data());
    } else {
        for (const scmp_arg_cmp& arg : args) {
            rc = seccomp_rule_add_array(ctx.get(), action, nr, 1, &arg);
            if (rc < 0) break;
        }
    }
    if (rc < 0) throw Error(field + ": add rule", -rc);
}

void add_syscall_rules(const Context& ctx, const oci::Seccomp& seccomp, std::uint32_t default_action,
                       bool& uses_notify) {
    for (std::size_t i = 0; i < seccomp.syscalls.size(); ++i) {
        const oci::SeccompSyscall& syscall = seccomp.syscalls[i];
        std::string field = fmt::format("{}.syscalls[{}]", kField, i);
        if (syscall.names.empty()) throw_error("{}.names: must not be empty", field);
        std::uint32_t action = resolve_action(syscall.action, syscall.errno_ret, field + ".action", field + ".errnoRet");
        bool repeated_index = false;
        std::vector<scmp_arg_cmp> args = resolve_args(syscall, field, repeated_index);
        // libseccomp rejects a rule that repeats the default action (EACCES); it would
        // change nothing, so runc skips it and so do we.
        if (action == default_action) continue;
        if (action == SCMP_ACT_NOTIFY) uses_notify = true;
        for (std::size_t j = 0; j < syscall.names.size(); ++j) {
            const std::string& name = syscall.names[j];
            int nr = seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR) {
                // runc ignores names libseccomp does not know, so one profile serves
                // hosts with older and newer libseccomp.
                log::debug("seccomp: skipping unknown syscall \"{}\" ({}.names[{}])", name, field, j);
                continue;
            }
            add_rule(ctx, action, nr, args, repeated_index, fmt::format("{}.names[{}] \"{}\"", field, j, name));
        }
    }
}

unsigned int resolve_flags(const oci::Seccomp& seccomp, bool uses_notify) {
    unsigned int flags = 0;
    for (std::size_t i = 0; i < seccomp.flags.size(); ++i) {
        const FlagName* entry = find_by_name(kFlags, seccomp.flags[i]);
        if (entry == nullptr) throw_error("{}.flags[{}]: unknown flag \"{}\"", kField, i, seccomp.flags[i]);
        flags |= entry->flag;
    }
    if (uses_notify) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // The kernel refuses TSYNC with NEW_LISTENER unless TSYNC_ESRCH says how to
        // report a thread that cannot sync (libseccomp does the same).
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    } else if (flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) {
        // Meaningful only for a listener, and EINVAL without one (libseccomp 2.6 also
        // sets it only together with NEW_LISTENER).
        log::debug("seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY rule");
        flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
    }
    return flags;
}

// libseccomp 2.5 exports only to an fd; a memfd keeps the program off the filesystem.
std::vector<sock_filter> export_bpf(const Context& ctx) {
    UniqueFd fd(memfd_create("berth-seccomp", MFD_CLOEXEC));
    if (!fd) throw_errno("seccomp: create memfd for the filter");
    int rc = seccomp_export_bpf(ctx.get(), fd.get());
    if (rc < 0) throw Error("seccomp: export filter", -rc);
    struct stat st {};
    if (fstat(fd.get(), &st) < 0) throw_errno("seccomp: stat exported filter");
    auto size = static_cast<std::size_t>(st.st_size);
    if (size == 0 || size % sizeof(sock_filter) != 0) throw_error("seccomp: exported filter has {} bytes", size);
    std::vector<sock_filter> program(size / sizeof(sock_filter));
    auto* out = reinterpret_cast<char*>(program.data());
    for (std::size_t done = 0; done < size;) {
        ssize_t n = pread(fd.get(), out + done, size - done, static_cast<off_t>(done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw_errno("seccomp: read exported filter");
        done += static_cast<std::size_t>(n);
    }
    return program;
}

// libseccomp's default program compares the syscall number with each rule in turn: for
// podman's profile, 1125 instructions in three linear chains. When the filter is loaded
// the kernel runs it once per syscall number of each architecture (the seccomp action
// cache, which lets a syscall that the filter allows whatever its arguments skip the
// filter), and a chain makes that ~400 steps per number: 0.63 ms of the 0.80 ms seccomp(2)
// took here. A binary tree of comparisons decides the same in ~10 steps per number
// (0.25 ms in all, for 1408 instructions), and the kernel still proves the same syscalls
// constant-allow. Best effort: libseccomp before 2.5 has no such attribute, and the
// linear filter decides the same.
void use_binary_tree(const Context& ctx) {
    int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (rc < 0) log::debug("seccomp: binary tree optimization unavailable: {}", std::strerror(-rc));
}

// Every syscall name of the profile, whatever its action: the ENOSYS stub's horizon.
std::vector<std::string> named_syscalls(const oci::Seccomp& seccomp) {
    std::vector<std::string> out;
    for (const oci::SeccompSyscall& syscall : seccomp.syscalls) out.insert(out.end(), syscall.names.begin(), syscall.names.end());
    return out;
}

}  // namespace

SeccompPlan compile_seccomp(const oci::Seccomp& seccomp, SeccompShape shape) {
    std::string default_field = fmt::format("{}.defaultAction", kField);
    std::uint32_t default_action = resolve_action(seccomp.default_action, seccomp.default_errno_ret,
                                                  default_field, fmt::format("{}.defaultErrnoRet", kField));
    // A notifying default would stop the runtime's own syscalls between loading the
    // filter and handing the listener over; runc refuses it too.
    if (default_action == SCMP_ACT_NOTIFY) throw_error("{}: SCMP_ACT_NOTIFY cannot be the default action", default_field);

    Context ctx(seccomp_init(default_action));
    if (!ctx) throw_error("{}: libseccomp cannot create a filter for \"{}\"", default_field, seccomp.default_action);
    std::vector<std::uint32_t> archs = add_architectures(ctx, seccomp);
    if (shape != SeccompShape::linear) use_binary_tree(ctx);
    bool uses_notify = false;
    add_syscall_rules(ctx, seccomp, default_action, uses_notify);

    SeccompPlan plan;
    plan.flags = resolve_flags(seccomp, uses_notify);
    plan.needs_listener = uses_notify;
    // runc's -ENOSYS stub in front of the filter (sys/seccomp_enosys.hpp says why and
    // where it stops).
    plan.program = enosys_stub(default_action, named_syscalls(seccomp), archs);
    std::vector<sock_filter> filter = export_bpf(ctx);
    plan.program.insert(plan.program.end(), filter.begin(), filter.end());
    // Fewer instructions to check, emulate per syscall number and JIT when seccomp(2)
    // loads it; a program the rewrite does not handle stays as libseccomp made it.
    if (shape == SeccompShape::ranges) {
        auto ranged = range_seccomp_program(plan.program);
        if (ranged && ranged->size() < plan.program.size()) plan.program = std::move(*ranged);
        else if (!ranged) log::debug("seccomp: program of {} instructions kept as compiled", plan.program.size());
    }
    if (plan.program.size() > BPF_MAXINSNS) {
        throw_error("{}: filter has {} instructions, the kernel allows {}", kField, plan.program.size(), BPF_MAXINSNS);
    }
    return plan;
}

std::span<const char* const> supported_seccomp_actions() noexcept { return kActionNames; }
std::span<const char* const> supported_seccomp_operators() noexcept { return kOperatorNames; }
std::span<const char* const> supported_seccomp_archs() noexcept { return kArchNames; }
std::span<const char* const> known_seccomp_flags() noexcept { return kFlagNames; }

std::vector<std::string> kernel_supported_seccomp_flags() {
    std::vector<std::string> out;
    for (const FlagName& entry : kFlags) {
        unsigned long flags = entry.flag;
        // WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER.
        if (entry.flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // A NULL program fails with EFAULT after the flags passed validation, and
        // before anything is installed or any fd is allocated.
        long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, nullptr);
        if (rc < 0 && errno == EFAULT) out.emplace_back(entry.name);
    }
    return out;
}

}  // namespace berth::sys
