#include "sys/seccomp_ranges.hpp"

#include <linux/seccomp.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <utility>

namespace berth::sys {
namespace {

constexpr std::uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr std::uint32_t kArchOffset = offsetof(seccomp_data, arch);
// A JSET of the number is handled when it tests one bit at least this high (the x32 bit):
// it is then constant between multiples of the bit, at most 256 intervals.
constexpr std::uint32_t kMinSetBit = 1U << 24;
constexpr std::size_t kMaxCondJump = 255;  // jt and jf are 8 bits

// What every number of an interval does on one architecture: return `value`, or go on
// with the original program at instruction `value` (a load of an argument or of the
// instruction pointer).
struct Leaf {
    bool returns = true;
    std::uint32_t value = 0;
    bool operator==(const Leaf&) const = default;
};

struct Range {
    std::uint32_t start;  // up to the next range's start, or 2^32
    Leaf leaf;
};

bool is_high_bit(std::uint32_t k) { return k >= kMinSetBit && (k & (k - 1)) == 0; }

// Every jump lands inside the program (the kernel refuses any other; not rewritten).
bool jumps_in_bounds(std::span<const sock_filter> p) {
    for (std::size_t pc = 0; pc < p.size(); ++pc) {
        if (BPF_CLASS(p[pc].code) != BPF_JMP) continue;
        std::size_t room = p.size() - pc - 1;
        std::size_t farthest = BPF_OP(p[pc].code) == BPF_JA ? p[pc].k : std::max(p[pc].jt, p[pc].jf);
        if (farthest >= room) return false;
    }
    return true;
}

// The starts of the intervals of 32-bit values on which each comparison of the program
// with a constant has one outcome (a superset: every constant, whatever it is compared with).
std::vector<std::uint32_t> interval_starts(std::span<const sock_filter> p) {
    std::set<std::uint32_t> starts{0};
    for (const sock_filter& insn : p) {
        if (BPF_CLASS(insn.code) != BPF_JMP || BPF_SRC(insn.code) != BPF_K) continue;
        switch (BPF_OP(insn.code)) {
        case BPF_JEQ:
            starts.insert(insn.k);
            if (insn.k != UINT32_MAX) starts.insert(insn.k + 1);
            break;
        case BPF_JGT:
            if (insn.k != UINT32_MAX) starts.insert(insn.k + 1);
            break;
        case BPF_JGE: starts.insert(insn.k); break;
        case BPF_JSET:
            if (!is_high_bit(insn.k)) break;
            for (std::uint64_t s = insn.k; s <= UINT32_MAX; s += insn.k) starts.insert(static_cast<std::uint32_t>(s));
            break;
        default: break;
        }
    }
    return {starts.begin(), starts.end()};
}

// A value equal to no constant any JEQ of the program compares with: it stands for every
// architecture the program does not name.
std::uint32_t foreign_value(std::span<const sock_filter> p) {
    std::set<std::uint32_t> used;
    for (const sock_filter& insn : p) {
        if (BPF_CLASS(insn.code) == BPF_JMP && BPF_OP(insn.code) == BPF_JEQ) used.insert(insn.k);
    }
    std::uint32_t v = 0;
    while (used.contains(v)) ++v;
    return v;
}

enum class Held { nothing, nr, arch };

// Runs the program for one architecture and number up to a return or a load of anything
// else. nullopt for a shape not handled: any instruction other than absolute word loads,
// constant returns and constant comparisons of the number (JEQ, JGT, JGE, a high JSET) or
// of the architecture (JEQ, whose constants are added to `arch_constants`).
std::optional<Leaf> decide(std::span<const sock_filter> p, std::uint32_t arch, std::uint32_t nr,
                           std::set<std::uint32_t>& arch_constants) {
    Held held = Held::nothing;
    std::uint32_t a = 0;
    for (std::size_t pc = 0; pc < p.size(); ++pc) {
        const sock_filter& insn = p[pc];
        std::uint16_t op = BPF_OP(insn.code);
        switch (BPF_CLASS(insn.code)) {
        case BPF_LD:
            if (insn.code != (BPF_LD | BPF_W | BPF_ABS)) return std::nullopt;
            if (insn.k == kNrOffset) { a = nr; held = Held::nr; }
            else if (insn.k == kArchOffset) { a = arch; held = Held::arch; }
            else return Leaf{false, static_cast<std::uint32_t>(pc)};
            break;
        case BPF_JMP: {
            if (op == BPF_JA) { pc += insn.k; break; }
            if (BPF_SRC(insn.code) != BPF_K || held == Held::nothing) return std::nullopt;
            if (held == Held::arch && op != BPF_JEQ) return std::nullopt;
            if (held == Held::arch) arch_constants.insert(insn.k);
            bool taken = false;
            if (op == BPF_JEQ) taken = a == insn.k;
            else if (op == BPF_JGT) taken = a > insn.k;
            else if (op == BPF_JGE) taken = a >= insn.k;
            else if (op == BPF_JSET && is_high_bit(insn.k)) taken = (a & insn.k) != 0;
            else return std::nullopt;
            pc += taken ? insn.jt : insn.jf;
            break;
        }
        case BPF_RET:
            if (BPF_RVAL(insn.code) != BPF_K) return std::nullopt;
            return Leaf{true, insn.k};
        default: return std::nullopt;
        }
    }
    return std::nullopt;
}

// One architecture's decisions, adjacent equal intervals merged.
std::optional<std::vector<Range>> ranges_of(std::span<const sock_filter> p, const std::vector<std::uint32_t>& starts,
                                            std::uint32_t arch, std::set<std::uint32_t>& arch_constants) {
    std::vector<Range> out;
    for (std::uint32_t start : starts) {
        std::optional<Leaf> leaf = decide(p, arch, start, arch_constants);
        if (!leaf) return std::nullopt;
        if (out.empty() || !(out.back().leaf == *leaf)) out.push_back(Range{start, *leaf});
    }
    return out;
}

// May the rest of the original program, entered at an argument load with nothing but A
// defined by it, run as a copy? Not if it reads X or scratch memory.
bool copyable(const sock_filter& insn) {
    switch (BPF_CLASS(insn.code)) {
    case BPF_LD: return insn.code == (BPF_LD | BPF_W | BPF_ABS) || insn.code == (BPF_LD | BPF_IMM);
    case BPF_ALU: return BPF_SRC(insn.code) == BPF_K;
    case BPF_JMP: return BPF_OP(insn.code) == BPF_JA || BPF_SRC(insn.code) == BPF_K;
    case BPF_RET: return true;
    default: return false;
    }
}

class Emitter {
public:
    std::vector<sock_filter> code;

    void stmt(std::uint16_t op, std::uint32_t k) { code.push_back(BPF_STMT(op, k)); }

    void leaf(const Leaf& l) {
        if (!l.returns) entries_.emplace_back(code.size(), l.value);
        stmt(l.returns ? BPF_RET | BPF_K : BPF_JMP | BPF_JA, l.returns ? l.value : 0);
    }

    // A binary search over r[lo, hi): "number >= start of the middle range" goes right.
    // With `share_`, a child that is a return is a jump to the block's copy of it.
    bool tree(const std::vector<Range>& r, std::size_t lo, std::size_t hi) {
        if (hi - lo == 1) {
            leaf(r[lo].leaf);
            return true;
        }
        std::size_t mid = lo + (hi - lo) / 2;
        std::size_t at = code.size();
        code.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, r[mid].start, 0, 0));
        if (share_ && mid - lo == 1 && r[lo].leaf.returns) shared_.push_back(Shared{at, false, r[lo].leaf.value});
        else if (!tree(r, lo, mid)) return false;
        std::size_t left = code.size() - at - 1;
        if (left > kMaxCondJump) return false;
        code[at].jt = static_cast<std::uint8_t>(left);
        if (share_ && hi - mid == 1 && r[mid].leaf.returns) {
            shared_.push_back(Shared{at, true, r[mid].leaf.value});
            return true;
        }
        return tree(r, mid, hi);
    }

    // Points the shared jumps at one return per value, after the block; false if one is
    // too far for 8 bits.
    bool place_shared_returns() {
        std::vector<std::pair<std::uint32_t, std::size_t>> placed;  // value, index
        for (const Shared& j : shared_) {
            auto it = std::find_if(placed.begin(), placed.end(), [&](const auto& p) { return p.first == j.value; });
            if (it == placed.end()) {
                placed.emplace_back(j.value, code.size());
                stmt(BPF_RET | BPF_K, j.value);
                it = placed.end() - 1;
            }
            std::size_t distance = it->second - j.at - 1;
            if (distance > kMaxCondJump) return false;
            (j.jt ? code[j.at].jt : code[j.at].jf) = static_cast<std::uint8_t>(distance);
        }
        return true;
    }

    void block(const std::vector<Range>& r) {
        if (r.size() == 1) return leaf(r.front().leaf);
        std::size_t start = code.size(), entries = entries_.size();
        for (bool share : {true, false}) {
            code.resize(start);
            entries_.resize(entries);
            shared_.clear();
            share_ = share;
            stmt(BPF_LD | BPF_W | BPF_ABS, kNrOffset);
            bool built = tree(r, 0, r.size()) && place_shared_returns();
            if (built) return;
        }
        ok_ = false;
    }

    // Appends the original instructions reachable from the entries and points the
    // entries' jumps at them.
    void tail(std::span<const sock_filter> p) {
        std::vector<bool> reach(p.size(), false);
        std::vector<std::size_t> work;
        for (const auto& e : entries_) work.push_back(e.second);
        while (!work.empty()) {
            std::size_t pc = work.back();
            work.pop_back();
            if (reach[pc]) continue;
            reach[pc] = true;
            const sock_filter& insn = p[pc];
            if (!copyable(insn)) ok_ = false;
            if (BPF_CLASS(insn.code) == BPF_RET) continue;
            if (BPF_CLASS(insn.code) != BPF_JMP) work.push_back(pc + 1);
            else if (BPF_OP(insn.code) == BPF_JA) work.push_back(pc + 1 + insn.k);
            else {
                work.push_back(pc + 1 + insn.jt);
                work.push_back(pc + 1 + insn.jf);
            }
        }
        std::vector<std::size_t> at(p.size(), 0);
        std::size_t base = code.size();
        for (std::size_t pc = 0; pc < p.size(); ++pc) {
            if (reach[pc]) at[pc] = base++;
        }
        for (std::size_t pc = 0; pc < p.size(); ++pc) {
            if (!reach[pc]) continue;
            sock_filter insn = p[pc];
            if (BPF_CLASS(insn.code) == BPF_JMP && BPF_OP(insn.code) == BPF_JA) {
                insn.k = static_cast<std::uint32_t>(at[pc + 1 + insn.k] - at[pc] - 1);
            } else if (BPF_CLASS(insn.code) == BPF_JMP) {
                // Dropping instructions only shortens a jump.
                insn.jt = static_cast<std::uint8_t>(at[pc + 1 + insn.jt] - at[pc] - 1);
                insn.jf = static_cast<std::uint8_t>(at[pc + 1 + insn.jf] - at[pc] - 1);
            }
            code.push_back(insn);
        }
        for (const auto& [from, pc] : entries_) code[from].k = static_cast<std::uint32_t>(at[pc] - from - 1);
    }

    bool ok() const { return ok_; }

private:
    struct Shared {
        std::size_t at;  // a comparison whose jt or jf goes to a return of `value`
        bool jt;
        std::uint32_t value;
    };
    std::vector<std::pair<std::size_t, std::size_t>> entries_;  // a JA's index, its original target
    std::vector<Shared> shared_;
    bool share_ = false;
    bool ok_ = true;
};

}  // namespace

std::optional<std::vector<sock_filter>> range_seccomp_program(std::span<const sock_filter> program) {
    if (program.empty() || !jumps_in_bounds(program)) return std::nullopt;
    std::vector<std::uint32_t> starts = interval_starts(program);
    std::uint32_t foreign = foreign_value(program);

    // The architectures the program compares with, found as the runs meet them.
    std::set<std::uint32_t> arch_constants;
    std::optional<std::vector<Range>> foreign_ranges = ranges_of(program, starts, foreign, arch_constants);
    if (!foreign_ranges) return std::nullopt;
    std::vector<std::pair<std::uint32_t, std::vector<Range>>> archs;
    for (std::set<std::uint32_t> done; done != arch_constants;) {
        std::uint32_t arch = *std::find_if(arch_constants.begin(), arch_constants.end(),
                                          [&](std::uint32_t k) { return !done.contains(k); });
        done.insert(arch);
        std::optional<std::vector<Range>> r = ranges_of(program, starts, arch, arch_constants);
        if (!r) return std::nullopt;
        archs.emplace_back(arch, std::move(*r));
    }

    Emitter e;
    e.stmt(BPF_LD | BPF_W | BPF_ABS, kArchOffset);
    std::vector<std::size_t> dispatch;
    for (const auto& entry : archs) {
        e.code.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, entry.first, 0, 1));
        dispatch.push_back(e.code.size());
        e.stmt(BPF_JMP | BPF_JA, 0);
    }
    e.block(*foreign_ranges);
    for (std::size_t i = 0; i < archs.size(); ++i) {
        e.code[dispatch[i]].k = static_cast<std::uint32_t>(e.code.size() - dispatch[i] - 1);
        e.block(archs[i].second);
    }
    e.tail(program);
    if (!e.ok() || e.code.size() > BPF_MAXINSNS) return std::nullopt;
    return std::move(e.code);
}

}  // namespace berth::sys
