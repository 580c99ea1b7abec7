#include "cgroup/device_filter_v2.hpp"

#include "util/error.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>

namespace berth::cgroup {

namespace {

// Registers as used below: r1 ctx (struct bpf_cgroup_dev_ctx) then scratch, r2 device type,
// r3 requested access, r4 major, r5 minor, r0 verdict.
bpf_insn insn(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
    bpf_insn i{};
    i.code = code;
    i.dst_reg = dst & 0xf;
    i.src_reg = src & 0xf;
    i.off = off;
    i.imm = imm;
    return i;
}

bpf_insn load_ctx_u32(std::uint8_t dst, std::int16_t offset) {
    return insn(BPF_LDX | BPF_W | BPF_MEM, dst, 1, offset, 0);
}
bpf_insn ret(std::int32_t verdict) { return insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, verdict); }
bpf_insn exit_insn() { return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }

// One rule: a run of "skip to the next rule unless …" tests, then return the verdict.
std::vector<bpf_insn> rule_block(const DeviceRule& r) {
    // Each test is emitted with the placeholder offset 0 and patched once the length is known.
    std::vector<bpf_insn> b;
    if (r.type != 'a') {
        const std::int32_t type = r.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR;
        b.push_back(insn(BPF_JMP32 | BPF_JNE | BPF_K, 2, 0, 0, type));
    }
    if (r.access != kAccessAll) {
        // An allow rule covers a request only when every requested bit is in it; a deny rule
        // refuses a request that asks for any of its bits.
        b.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0));
        if (r.allow) {
            b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, static_cast<std::int32_t>(~r.access & kAccessAll)));
            b.push_back(insn(BPF_JMP32 | BPF_JNE | BPF_K, 1, 0, 0, 0));
        } else {
            b.push_back(insn(BPF_ALU | BPF_AND | BPF_K, 1, 0, 0, static_cast<std::int32_t>(r.access)));
            b.push_back(insn(BPF_JMP32 | BPF_JEQ | BPF_K, 1, 0, 0, 0));
        }
    }
    if (r.major != kAnyDevice) b.push_back(insn(BPF_JMP32 | BPF_JNE | BPF_K, 4, 0, 0, static_cast<std::int32_t>(r.major)));
    if (r.minor != kAnyDevice) b.push_back(insn(BPF_JMP32 | BPF_JNE | BPF_K, 5, 0, 0, static_cast<std::int32_t>(r.minor)));
    b.push_back(ret(r.allow ? 1 : 0));
    b.push_back(exit_insn());
    for (std::size_t i = 0; i < b.size(); ++i) {
        if (BPF_CLASS(b[i].code) == BPF_JMP32) b[i].off = static_cast<std::int16_t>(b.size() - i - 1);
    }
    return b;
}

long bpf(int cmd, bpf_attr& attr) { return ::syscall(SYS_bpf, cmd, &attr, sizeof attr); }

}  // namespace

std::vector<bpf_insn> device_filter_program(const std::vector<DeviceRule>& rules) {
    // A wildcard rule resets the policy, as in the v1 controller; a cgroup starts denying all.
    bool default_allow = false;
    std::size_t first = 0;
    for (std::size_t i = 0; i < rules.size(); ++i) {
        if (rules[i].is_wildcard()) {
            default_allow = rules[i].allow;
            first = i + 1;
        }
    }
    std::vector<bpf_insn> p = {
        load_ctx_u32(2, 0),                                   // access_type
        insn(BPF_ALU | BPF_AND | BPF_K, 2, 0, 0, 0xffff),   // low half: device type
        load_ctx_u32(3, 0),
        insn(BPF_ALU | BPF_RSH | BPF_K, 3, 0, 0, 16),       // high half: access bits
        load_ctx_u32(4, 4),                                   // major
        load_ctx_u32(5, 8),                                   // minor
    };
    // Later rules take precedence, so they are tested first and the first match decides.
    for (std::size_t i = rules.size(); i-- > first;) {
        auto block = rule_block(rules[i]);
        p.insert(p.end(), block.begin(), block.end());
    }
    p.push_back(ret(default_allow ? 1 : 0));
    p.push_back(exit_insn());
    return p;
}

UniqueFd load_device_filter(const std::vector<DeviceRule>& rules) {
    const auto program = device_filter_program(rules);
    static const char kLicense[] = "Apache-2.0";
    static char log[16384];
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = reinterpret_cast<std::uintptr_t>(program.data());
    attr.insn_cnt = static_cast<std::uint32_t>(program.size());
    attr.license = reinterpret_cast<std::uintptr_t>(kLicense);
    long fd = bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    // Only on failure: load again with the verifier log, for the error message.
    const int err = errno;
    attr.log_level = 1;
    attr.log_buf = reinterpret_cast<std::uintptr_t>(log);
    attr.log_size = sizeof log;
    log[0] = '\0';
    fd = bpf(BPF_PROG_LOAD, attr);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    throw Error(std::string("load device filter (") + std::to_string(program.size()) + " instructions)" +
                    (log[0] ? std::string(": ") + log : std::string()),
                err);
}

void replace_device_filter(int cgroup_fd, int program_fd) {
    std::uint32_t ids[64] = {};
    bpf_attr query{};
    query.query.target_fd = static_cast<std::uint32_t>(cgroup_fd);
    query.query.attach_type = BPF_CGROUP_DEVICE;
    query.query.prog_ids = reinterpret_cast<std::uintptr_t>(ids);
    query.query.prog_cnt = 64;
    if (bpf(BPF_PROG_QUERY, query) != 0) throw_errno("query device filters");
    const std::uint32_t old_count = query.query.prog_cnt;

    bpf_attr attach{};
    attach.target_fd = static_cast<std::uint32_t>(cgroup_fd);
    attach.attach_bpf_fd = static_cast<std::uint32_t>(program_fd);
    attach.attach_type = BPF_CGROUP_DEVICE;
    attach.attach_flags = BPF_F_ALLOW_MULTI;
    if (bpf(BPF_PROG_ATTACH, attach) != 0) {
        // A program attached without BPF_F_ALLOW_MULTI (by another manager) can only be
        // replaced by one attached the same way.
        attach.attach_flags = 0;
        if (old_count > 1 || bpf(BPF_PROG_ATTACH, attach) != 0) throw_errno("attach device filter");
        return;
    }
    for (std::uint32_t i = 0; i < old_count && i < 64; ++i) {
        bpf_attr get{};
        get.prog_id = ids[i];
        const long old_fd = bpf(BPF_PROG_GET_FD_BY_ID, get);
        if (old_fd < 0) continue;  // already gone
        UniqueFd old(static_cast<int>(old_fd));
        bpf_attr detach{};
        detach.target_fd = static_cast<std::uint32_t>(cgroup_fd);
        detach.attach_bpf_fd = static_cast<std::uint32_t>(old.get());
        detach.attach_type = BPF_CGROUP_DEVICE;
        if (bpf(BPF_PROG_DETACH, detach) != 0 && errno != ENOENT) throw_errno("detach old device filter");
    }
}

}  // namespace berth::cgroup
