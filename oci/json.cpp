// The yajl adapter: the only file in berth that includes yajl.
#include "oci/json.hpp"

#include "oci/json_position.hpp"
#include "util/error.hpp"

#include <yajl/yajl_gen.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_version.h>

#include <algorithm>
#include <charconv>
#include <exception>
#include <string>
#include <unordered_set>

namespace berth::json {

const Value* Value::find(std::string_view key) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it) {
        if (it->first == key) {
            return &it->second;
        }
    }
    return nullptr;
}

Value* Value::find(std::string_view key) {
    return const_cast<Value*>(std::as_const(*this).find(key));
}

namespace {

// Builds the tree from yajl callbacks. Callbacks run inside C code, so nothing may
// propagate out of them: a failure is stored and the parse cancelled (return 0).
//
// Children of open containers wait on two scratch stacks and move into their
// container, sized exactly, when it closes: one allocation per container instead of a
// vector regrowing item by item.
class Builder {
public:
    Value root;
    std::exception_ptr failure;

    // The slot for the next value: the root, a new array item, or the pending member.
    Value* place(Value::Kind kind) {
        Value* slot = nullptr;
        if (frames_.empty()) {
            slot = &root;
        } else if (frames_.back().kind == Value::Kind::array) {
            slot = &items_.emplace_back();
        } else {
            slot = &members_.back().second;
        }
        slot->kind = kind;
        return slot;
    }

    // False when the container would nest deeper than kMaxDepth.
    bool open(Value::Kind kind) {
        if (frames_.size() >= static_cast<std::size_t>(kMaxDepth)) {
            return false;
        }
        frames_.push_back({kind, kind == Value::Kind::array ? items_.size() : members_.size()});
        return true;
    }

    void close() {
        Frame frame = frames_.back();
        frames_.pop_back();
        Value done;
        done.kind = frame.kind;
        if (frame.kind == Value::Kind::array) {
            auto first = items_.begin() + static_cast<std::ptrdiff_t>(frame.start);
            done.items.assign(std::make_move_iterator(first), std::make_move_iterator(items_.end()));
            items_.erase(first, items_.end());
        } else {
            auto first = members_.begin() + static_cast<std::ptrdiff_t>(frame.start);
            done.members.assign(std::make_move_iterator(first), std::make_move_iterator(members_.end()));
            members_.erase(first, members_.end());
            if (done.members.size() > 1) {
                drop_repeated_keys(done.members);
            }
        }
        *place(frame.kind) = std::move(done);
    }

    void key(std::string_view k) { members_.emplace_back(std::string(k), Value{}); }

private:
    using Members = std::vector<Member>;

    // Keeps only the last occurrence of each key; usually finds none to drop.
    static void drop_repeated_keys(Members& members) {
        std::vector<bool> drop;
        if (members.size() <= 16) {
            for (std::size_t i = 0; i + 1 < members.size(); ++i) {
                for (std::size_t j = i + 1; j < members.size(); ++j) {
                    if (members[i].first == members[j].first) {
                        drop.resize(members.size());
                        drop[i] = true;
                        break;
                    }
                }
            }
        } else {
            std::unordered_set<std::string_view> seen;
            seen.reserve(members.size());
            for (std::size_t i = members.size(); i-- > 0;) {
                if (!seen.insert(members[i].first).second) {
                    drop.resize(members.size());
                    drop[i] = true;
                }
            }
        }
        if (drop.empty()) {
            return;
        }
        std::size_t out = 0;
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (!drop[i]) {
                if (out != i) {
                    members[out] = std::move(members[i]);
                }
                ++out;
            }
        }
        members.resize(out);
    }

    struct Frame {
        Value::Kind kind;
        std::size_t start;  // where its children begin on items_ or members_
    };
    std::vector<Frame> frames_;
    std::vector<Value> items_;
    std::vector<Member> members_;
};

Builder& builder(void* ctx) { return *static_cast<Builder*>(ctx); }

// Runs one callback body, turning any exception into a cancelled parse.
template <typename F>
int guarded(void* ctx, F&& body) {
    try {
        return body(builder(ctx)) ? 1 : 0;
    } catch (...) {
        builder(ctx).failure = std::current_exception();
        return 0;
    }
}

std::string_view as_view(const unsigned char* s, std::size_t n) {
    return {reinterpret_cast<const char*>(s), n};
}

int on_null(void* ctx) {
    return guarded(ctx, [](Builder& b) { return b.place(Value::Kind::null) != nullptr; });
}

int on_boolean(void* ctx, int v) {
    return guarded(ctx, [v](Builder& b) {
        b.place(Value::Kind::boolean)->boolean = v != 0;
        return true;
    });
}

int on_number(void* ctx, const char* s, std::size_t n) {
    return guarded(ctx, [s, n](Builder& b) {
        b.place(Value::Kind::number)->text.assign(s, n);
        return true;
    });
}

int on_string(void* ctx, const unsigned char* s, std::size_t n) {
    return guarded(ctx, [s, n](Builder& b) {
        b.place(Value::Kind::string)->text.assign(as_view(s, n));
        return true;
    });
}

int on_start_map(void* ctx) {
    return guarded(ctx, [](Builder& b) { return b.open(Value::Kind::object); });
}

int on_map_key(void* ctx, const unsigned char* s, std::size_t n) {
    return guarded(ctx, [s, n](Builder& b) {
        b.key(as_view(s, n));
        return true;
    });
}

int on_start_array(void* ctx) {
    return guarded(ctx, [](Builder& b) { return b.open(Value::Kind::array); });
}

int on_end(void* ctx) {
    return guarded(ctx, [](Builder& b) {
        b.close();
        return true;
    });
}

constexpr yajl_callbacks kCallbacks = {
    on_null, on_boolean, nullptr, nullptr, on_number, on_string,
    on_start_map, on_map_key, on_end, on_start_array, on_end,
};

struct ParserHandle {
    yajl_handle h;
    ~ParserHandle() { yajl_free(h); }
};

// yajl's short error text ("parse error: premature EOF\n") without its category
// prefix and trailing whitespace: one line, our own wording around it.
struct SyntaxError {
    std::string reason;
    bool lexical = false;  // yajl points at the bad byte, not past the bad token
};

SyntaxError describe(yajl_handle h, std::string_view text) {
    unsigned char* raw = yajl_get_error(h, 0, reinterpret_cast<const unsigned char*>(text.data()),
                                        text.size());
    SyntaxError e{raw != nullptr ? reinterpret_cast<const char*>(raw) : "invalid JSON"};
    if (raw != nullptr) {
        yajl_free_error(h, raw);
    }
    for (std::string_view prefix : {"lexical error: ", "parse error: "}) {
        if (e.reason.starts_with(prefix)) {
            e.lexical = prefix.starts_with("lexical");
            e.reason.erase(0, prefix.size());
        }
    }
    while (!e.reason.empty() && std::string_view("\n .").find(e.reason.back()) != std::string_view::npos) {
        e.reason.pop_back();
    }
    std::replace(e.reason.begin(), e.reason.end(), '\n', ' ');
    return e;
}

[[noreturn]] void throw_at(std::string_view source, std::string_view text, std::size_t offset,
                           std::string_view reason) {
    offset = std::min(offset, text.size());
    std::string_view before = text.substr(0, offset);
    std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    std::size_t line_start = before.rfind('\n');
    std::size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
    throw_error("{}: line {}, column {}: {}", source, line, column, reason);
}

}  // namespace

Value parse(std::string_view text, std::string_view source) {
    if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
        throw_error("{}: line 1, column 1: empty document", source);
    }
    Builder b;
    ParserHandle parser{yajl_alloc(&kCallbacks, nullptr, &b)};
    if (parser.h == nullptr) {
        throw std::bad_alloc();
    }
    // Comments, trailing garbage and multiple values stay off (the yajl defaults).
    yajl_config(parser.h, yajl_allow_comments, 0);
    const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
    yajl_status st = yajl_parse(parser.h, bytes, text.size());
    std::size_t consumed = yajl_get_bytes_consumed(parser.h);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(parser.h);
        consumed = text.size();
    }
    if (b.failure) {
        std::rethrow_exception(b.failure);
    }
    if (st == yajl_status_client_canceled) {
        // yajl stopped just past the bracket that went too deep.
        throw_at(source, text, detail::locate_error(text, consumed, detail::ErrorKind::after_token),
                 fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    if (st != yajl_status_ok) {
        SyntaxError e = describe(parser.h, text);
        if (e.reason == "premature EOF") {
            throw_at(source, text, text.size(), e.reason);
        }
        // Only this message's yajl error path steps back into the token it rejects.
        auto kind = e.lexical ? detail::ErrorKind::lexical
            : e.reason.starts_with("after key and value") ? detail::ErrorKind::inside_token
                                                          : detail::ErrorKind::after_token;
        throw_at(source, text, detail::locate_error(text, consumed, kind), e.reason);
    }
    return std::move(b.root);
}

struct Writer::Impl {
    yajl_gen gen = nullptr;
    int depth = 0;
    ~Impl() { yajl_gen_free(gen); }
};

namespace {

const char* gen_status_text(yajl_gen_status st) {
    switch (st) {
        case yajl_gen_keys_must_be_strings: return "a key is due";
        case yajl_max_depth_exceeded: return "nesting too deep";
        case yajl_gen_in_error_state: return "writer is in an error state";
        case yajl_gen_generation_complete: return "document already complete";
        case yajl_gen_invalid_number: return "invalid number";
        case yajl_gen_invalid_string: return "invalid UTF-8 string";
        default: return "internal error";
    }
}

void check(yajl_gen_status st) {
    if (st != yajl_gen_status_ok) {
        throw_error("json writer: {}", gen_status_text(st));
    }
}

}  // namespace

Writer::Writer(bool pretty) : impl_(std::make_unique<Impl>()) {
    impl_->gen = yajl_gen_alloc(nullptr);
    if (impl_->gen == nullptr) {
        throw std::bad_alloc();
    }
    if (pretty) {
        yajl_gen_config(impl_->gen, yajl_gen_beautify, 1);
        yajl_gen_config(impl_->gen, yajl_gen_indent_string, "\t");
    }
}

Writer::~Writer() = default;

Writer& Writer::begin_object() {
    if (++impl_->depth > kMaxDepth) {
        check(yajl_max_depth_exceeded);
    }
    check(yajl_gen_map_open(impl_->gen));
    return *this;
}

Writer& Writer::end_object() {
    check(yajl_gen_map_close(impl_->gen));
    --impl_->depth;
    return *this;
}

Writer& Writer::begin_array() {
    if (++impl_->depth > kMaxDepth) {
        check(yajl_max_depth_exceeded);
    }
    check(yajl_gen_array_open(impl_->gen));
    return *this;
}

Writer& Writer::end_array() {
    check(yajl_gen_array_close(impl_->gen));
    --impl_->depth;
    return *this;
}

Writer& Writer::key(std::string_view k) { return string(k); }

Writer& Writer::string(std::string_view s) {
    check(yajl_gen_string(impl_->gen, reinterpret_cast<const unsigned char*>(s.data()), s.size()));
    return *this;
}

Writer& Writer::integer(std::int64_t v) {
    check(yajl_gen_integer(impl_->gen, static_cast<long long>(v)));
    return *this;
}

Writer& Writer::unsigned_integer(std::uint64_t v) {
    // yajl_gen_integer takes a long long; write the digits ourselves for the top half.
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    check(yajl_gen_number(impl_->gen, buf, static_cast<std::size_t>(end - buf)));
    return *this;
}

Writer& Writer::boolean(bool v) {
    check(yajl_gen_bool(impl_->gen, v ? 1 : 0));
    return *this;
}

Writer& Writer::null() {
    check(yajl_gen_null(impl_->gen));
    return *this;
}

Writer& Writer::value(const Value& v) {
    switch (v.kind) {
        case Value::Kind::null: return null();
        case Value::Kind::boolean: return boolean(v.boolean);
        case Value::Kind::number:
            check(yajl_gen_number(impl_->gen, v.text.data(), v.text.size()));
            return *this;
        case Value::Kind::string: return string(v.text);
        case Value::Kind::array:
            begin_array();
            for (const Value& item : v.items) {
                value(item);
            }
            return end_array();
        case Value::Kind::object:
            begin_object();
            for (const auto& [k, member] : v.members) {
                key(k).value(member);
            }
            return end_object();
    }
    return *this;
}

std::string Writer::str() const {
    const unsigned char* buf = nullptr;
    std::size_t len = 0;
    check(yajl_gen_get_buf(impl_->gen, &buf, &len));
    return {reinterpret_cast<const char*>(buf), len};
}

std::string library_version() {
    const int v = yajl_version();
    return fmt::format("{}.{}.{}", v / 10000, v / 100 % 100, v % 100);
}

}  // namespace berth::json
