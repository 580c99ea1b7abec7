#include "sys/seccomp_enosys.hpp"

#include "util/error.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <cerrno>
#include <cstddef>
#include <optional>

namespace berth::sys {
namespace {

constexpr std::uint32_t kX32SyscallBit = 0x40000000;  // __X32_SYSCALL_BIT
constexpr std::uint32_t kNrOffset = 0;                // offsetof(seccomp_data, nr)
constexpr std::uint32_t kArchOffset = 4;              // offsetof(seccomp_data, arch)

// The highest named syscall of one audit architecture; x86_64 also carries its x32 ABI.
struct ArchLimit {
    std::uint32_t audit_arch = 0;
    std::optional<std::uint32_t> max;
    std::optional<std::uint32_t> x32_max;
};

// A few cBPF instructions with forward jumps to labels, resolved by finish().
class Assembler {
public:
    static constexpr std::size_t kNext = static_cast<std::size_t>(-1);  // the next instruction

    std::size_t label() {
        labels_.push_back(0);
        return labels_.size() - 1;
    }
    void bind(std::size_t l) { labels_[l] = code_.size(); }
    void load(std::uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
    void ret(std::uint32_t value) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, value)); }
    void jump(std::size_t to) {
        jumps_.push_back({code_.size(), to, kNext, true});
        code_.push_back(BPF_STMT(BPF_JMP | BPF_JA, 0));
    }
    // if (A <op> k) goto yes; else goto no
    void jump_if(std::uint16_t op, std::uint32_t k, std::size_t yes, std::size_t no) {
        jumps_.push_back({code_.size(), yes, no, false});
        code_.push_back(BPF_JUMP(static_cast<std::uint16_t>(BPF_JMP | op | BPF_K), k, 0, 0));
    }

    std::vector<sock_filter> finish() {
        for (const Jump& j : jumps_) {
            sock_filter& insn = code_[j.at];
            if (j.always) {
                insn.k = static_cast<std::uint32_t>(offset(j.at, j.yes));
                continue;
            }
            insn.jt = short_offset(j.at, j.yes);
            insn.jf = short_offset(j.at, j.no);
        }
        return std::move(code_);
    }

private:
    struct Jump {
        std::size_t at, yes, no;
        bool always;
    };
    std::size_t offset(std::size_t at, std::size_t to) const { return to == kNext ? 0 : labels_[to] - (at + 1); }
    std::uint8_t short_offset(std::size_t at, std::size_t to) const {
        std::size_t off = offset(at, to);
        // Conditional jumps have 8 bits; the stub is a few instructions per architecture.
        if (off > 255) throw_error(".linux.seccomp: ENOSYS stub: jump of {} instructions", off);
        return static_cast<std::uint8_t>(off);
    }

    std::vector<sock_filter> code_;
    std::vector<std::size_t> labels_;
    std::vector<Jump> jumps_;
};

bool needs_stub(std::uint32_t default_action) {
    std::uint32_t action = default_action & SECCOMP_RET_ACTION_FULL;
    // A permissive default already lets new syscalls through; an ENOSYS default is what
    // the stub would return. TRACE counts as permissive, as in runc: a tracer decides.
    return action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_LOG && action != SECCOMP_RET_TRACE &&
           default_action != SCMP_ACT_ERRNO(ENOSYS);
}

std::optional<std::uint32_t> highest(std::uint32_t arch, const std::vector<std::string>& names) {
    std::optional<std::uint32_t> out;
    for (const std::string& name : names) {
        // Negative: unknown, or a pseudo-number for a syscall this ABI does not have.
        int nr = seccomp_syscall_resolve_name_arch(arch, name.c_str());
        if (nr >= 0 && (!out || static_cast<std::uint32_t>(nr) > *out)) out = static_cast<std::uint32_t>(nr);
    }
    return out;
}

std::vector<ArchLimit> arch_limits(const std::vector<std::string>& names, const std::vector<std::uint32_t>& archs) {
    std::vector<ArchLimit> out;
    auto entry = [&out](std::uint32_t audit_arch) -> ArchLimit& {
        for (ArchLimit& l : out)
            if (l.audit_arch == audit_arch) return l;
        out.push_back({audit_arch, std::nullopt, std::nullopt});
        return out.back();
    };
    for (std::uint32_t arch : archs) {
        if (arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X) continue;
        std::optional<std::uint32_t> max = highest(arch, names);
        if (!max) continue;
        // libseccomp's x32 token is not an audit arch: x32 calls arrive as x86_64 with
        // the x32 bit set, and libseccomp's x32 numbers include that bit.
        if (arch == SCMP_ARCH_X32) entry(AUDIT_ARCH_X86_64).x32_max = max;
        else entry(arch).max = max;
    }
    return out;
}

// if (nr > max) ENOSYS else the filter; with no limit, straight to the filter.
void limit_check(Assembler& a, const std::optional<std::uint32_t>& max, std::size_t enosys, std::size_t filter) {
    if (max) a.jump_if(BPF_JGT, *max, enosys, filter);
    else a.jump(filter);
}

}  // namespace

std::vector<sock_filter> enosys_stub(std::uint32_t default_action, const std::vector<std::string>& names,
                                     const std::vector<std::uint32_t>& archs) {
    if (!needs_stub(default_action)) return {};
    std::vector<ArchLimit> limits = arch_limits(names, archs);
    if (limits.empty()) return {};
    Assembler a;
    std::size_t enosys = a.label(), filter = a.label();
    std::vector<std::size_t> blocks;
    a.load(kArchOffset);
    for (const ArchLimit& l : limits) {
        blocks.push_back(a.label());
        a.jump_if(BPF_JEQ, l.audit_arch, blocks.back(), Assembler::kNext);
    }
    a.jump(filter);  // an architecture without a limit: the filter decides (bad arch)
    for (std::size_t i = 0; i < limits.size(); ++i) {
        a.bind(blocks[i]);
        a.load(kNrOffset);
        if (limits[i].audit_arch == AUDIT_ARCH_X86_64) {
            std::size_t x32 = a.label();
            a.jump_if(BPF_JSET, kX32SyscallBit, x32, Assembler::kNext);
            limit_check(a, limits[i].max, enosys, filter);
            a.bind(x32);
            limit_check(a, limits[i].x32_max, enosys, filter);
        } else {
            limit_check(a, limits[i].max, enosys, filter);
        }
    }
    a.bind(enosys);
    a.ret(SECCOMP_RET_ERRNO | ENOSYS);
    a.bind(filter);  // the compiled program starts here
    return a.finish();
}

}  // namespace berth::sys
