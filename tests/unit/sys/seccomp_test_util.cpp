#include "seccomp_test_util.hpp"

#include <linux/filter.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace berth::test {

oci::SeccompSyscall rule(std::vector<std::string> names, std::string action, std::optional<std::uint32_t> errno_ret,
                         std::vector<oci::SeccompArg> args) {
    oci::SeccompSyscall out;
    out.names = std::move(names);
    out.action = std::move(action);
    out.errno_ret = errno_ret;
    out.args = std::move(args);
    return out;
}

oci::SeccompArg arg(std::uint32_t index, std::string op, std::uint64_t value, std::uint64_t value_two) {
    oci::SeccompArg out;
    out.index = index;
    out.op = std::move(op);
    out.value = value;
    out.value_two = value_two;
    return out;
}

oci::Seccomp profile(std::string default_action, std::vector<oci::SeccompSyscall> syscalls) {
    oci::Seccomp out;
    out.default_action = std::move(default_action);
    out.syscalls = std::move(syscalls);
    return out;
}

oci::Seccomp podman_like_profile() {
    oci::Seccomp seccomp = profile("SCMP_ACT_ERRNO");
    seccomp.default_errno_ret = ENOSYS;
    oci::SeccompSyscall allow = rule({}, "SCMP_ACT_ALLOW");
    oci::SeccompSyscall deny = rule({}, "SCMP_ACT_ERRNO", EPERM);
    for (int nr = 0; nr < 512; ++nr) {
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (name == nullptr) continue;
        std::string n(name);
        std::free(name);
        if (n == "personality" || n == "clone") continue;
        (nr % 37 == 5 ? deny : allow).names.push_back(n);
    }
    seccomp.syscalls = {deny, allow};
    for (std::uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
        seccomp.syscalls.push_back(rule({"personality"}, "SCMP_ACT_ALLOW", {}, {arg(0, "SCMP_CMP_EQ", persona)}));
    }
    seccomp.syscalls.push_back(rule({"clone"}, "SCMP_ACT_ALLOW", {}, {arg(0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0)}));
    seccomp.syscalls.push_back(rule({"clone"}, "SCMP_ACT_ERRNO", EPERM, {arg(0, "SCMP_CMP_MASKED_EQ", 0x7E020000, 0x7E020000)}));
    seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
    return seccomp;
}

namespace {

std::uint32_t load_word(const seccomp_data& data, std::uint32_t offset) {
    if (offset % 4 != 0 || offset + 4 > sizeof data) throw std::runtime_error("bpf: load out of seccomp_data");
    std::uint32_t word = 0;
    std::memcpy(&word, reinterpret_cast<const char*>(&data) + offset, sizeof word);
    return word;
}

bool jump_taken(std::uint16_t op, std::uint32_t a, std::uint32_t k) {
    switch (op) {
    case BPF_JEQ: return a == k;
    case BPF_JGT: return a > k;
    case BPF_JGE: return a >= k;
    case BPF_JSET: return (a & k) != 0;
    default: throw std::runtime_error("bpf: unknown jump");
    }
}

std::uint32_t alu(std::uint16_t op, std::uint32_t a, std::uint32_t k) {
    switch (op) {
    case BPF_AND: return a & k;
    case BPF_OR: return a | k;
    case BPF_ADD: return a + k;
    case BPF_SUB: return a - k;
    default: throw std::runtime_error("bpf: unknown alu operation");
    }
}

}  // namespace

std::uint32_t run_bpf(const std::vector<sock_filter>& program, const seccomp_data& data) {
    std::uint32_t a = 0, x = 0;
    std::uint32_t mem[BPF_MEMWORDS] = {};
    for (std::size_t pc = 0; pc < program.size(); ++pc) {
        const sock_filter& insn = program[pc];
        std::uint32_t src = BPF_SRC(insn.code) == BPF_X ? x : insn.k;
        switch (BPF_CLASS(insn.code)) {
        case BPF_LD:
            if (BPF_MODE(insn.code) == BPF_ABS) a = load_word(data, insn.k);
            else if (BPF_MODE(insn.code) == BPF_IMM) a = insn.k;
            else if (BPF_MODE(insn.code) == BPF_MEM) a = mem[insn.k % BPF_MEMWORDS];
            else throw std::runtime_error("bpf: unknown load");
            break;
        case BPF_LDX: x = BPF_MODE(insn.code) == BPF_MEM ? mem[insn.k % BPF_MEMWORDS] : insn.k; break;
        case BPF_ST: mem[insn.k % BPF_MEMWORDS] = a; break;
        case BPF_STX: mem[insn.k % BPF_MEMWORDS] = x; break;
        case BPF_ALU: a = alu(BPF_OP(insn.code), a, src); break;
        case BPF_JMP:
            if (BPF_OP(insn.code) == BPF_JA) pc += insn.k;
            else pc += jump_taken(BPF_OP(insn.code), a, src) ? insn.jt : insn.jf;
            break;
        case BPF_RET: return BPF_RVAL(insn.code) == BPF_A ? a : insn.k;
        case BPF_MISC:
            if (BPF_MISCOP(insn.code) == BPF_TAX) x = a;
            else a = x;
            break;
        default: throw std::runtime_error("bpf: unknown instruction class");
        }
    }
    throw std::runtime_error("bpf: ran off the end of the program");
}

void reset_signals_in_child() {
    // Boost.Test's handlers would report a crash in a forked child as a failure of the
    // parent's test and then carry on running the test tree in the child.
    for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
}

int run_filtered(const sys::SeccompPlan& plan, const std::function<int()>& body) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        reset_signals_in_child();
        alarm(20);  // a wrong filter must fail the test, not hang it
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(kApplyFailed);
        if (sys::apply_seccomp(plan) < 0) _exit(kApplyFailed);
        _exit(body());
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    return status;
}

int errno_of(long rc) { return rc < 0 ? errno : 0; }

bool returns_value(const sys::SeccompPlan& plan, std::uint32_t k) {
    for (const sock_filter& insn : plan.program) {
        if (insn.code == (BPF_RET | BPF_K) && insn.k == k) return true;
    }
    return false;
}

bool compares_with(const sys::SeccompPlan& plan, std::uint32_t k) {
    for (const sock_filter& insn : plan.program) {
        if (insn.code == (BPF_JMP | BPF_JEQ | BPF_K) && insn.k == k) return true;
    }
    return false;
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "berth-seccomp-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace berth::test
