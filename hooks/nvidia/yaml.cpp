#include "hooks/nvidia/yaml.hpp"

#include "util/error.hpp"

#include <yaml.h>

#include <charconv>
#include <memory>
#include <string>

namespace berth::nvidia {
namespace {

using Kind = json::Value::Kind;

struct Parser {
    yaml_parser_t parser{};
    Parser() {
        if (yaml_parser_initialize(&parser) == 0) throw std::bad_alloc();
    }
    ~Parser() { yaml_parser_delete(&parser); }
    Parser(const Parser&) = delete;
    Parser& operator=(const Parser&) = delete;
};

struct Event {
    yaml_event_t event{};
    ~Event() { yaml_event_delete(&event); }
};

[[noreturn]] void fail(std::string_view source, const yaml_mark_t& mark, std::string_view reason) {
    throw_error("{}: line {}, column {}: {}", source, mark.line + 1, mark.column + 1, reason);
}

// A plain integer in decimal, 0x or 0o form, as decimal text; "" if it is not one.
std::string integer_text(std::string_view s) {
    bool negative = !s.empty() && (s.front() == '-' || s.front() == '+');
    std::string_view digits = negative ? s.substr(1) : s;
    int base = 10;
    if (digits.starts_with("0x")) base = 16;
    if (digits.starts_with("0o")) base = 8;
    if (base != 10) digits.remove_prefix(2);
    std::uint64_t value = 0;
    if (digits.empty()) return {};
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
    if (ec != std::errc{} || end != digits.data() + digits.size()) return {};
    std::string out = std::to_string(value);
    if (s.front() == '-' && value != 0) out.insert(out.begin(), '-');
    return out;
}

json::Value scalar(const yaml_event_t& e) {
    json::Value v;
    std::string_view text(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
    v.kind = Kind::string;
    v.text = std::string(text);
    if (e.data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return v;
    if (text == "null" || text == "~" || text == "Null" || text == "NULL" || text.empty()) {
        v.kind = Kind::null;
    } else if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
               text == "FALSE") {
        v.kind = Kind::boolean;
        v.boolean = text[0] == 't' || text[0] == 'T';
    } else if (std::string number = integer_text(text); !number.empty()) {
        v.kind = Kind::number;
        v.text = std::move(number);
    }
    return v;
}

class Builder {
public:
    Builder(yaml_parser_t& parser, std::string_view source) : parser_(parser), source_(source) {}

    // Reads the next event into `e`.
    void next(Event& e) {
        if (yaml_parser_parse(&parser_, &e.event) == 0)
            fail(source_, parser_.problem_mark,
                 parser_.problem != nullptr ? parser_.problem : "syntax error");
    }

    // Builds the node that starts with event `e`.
    json::Value node(const yaml_event_t& e, int depth) {
        if (depth > json::kMaxDepth) fail(source_, e.start_mark, "nested too deeply");
        switch (e.type) {
            case YAML_SCALAR_EVENT:
                if (e.data.scalar.anchor != nullptr) fail(source_, e.start_mark, "anchors are not supported");
                return scalar(e);
            case YAML_SEQUENCE_START_EVENT:
                if (e.data.sequence_start.anchor != nullptr)
                    fail(source_, e.start_mark, "anchors are not supported");
                return sequence(depth);
            case YAML_MAPPING_START_EVENT:
                if (e.data.mapping_start.anchor != nullptr)
                    fail(source_, e.start_mark, "anchors are not supported");
                return mapping(depth);
            case YAML_ALIAS_EVENT: fail(source_, e.start_mark, "aliases are not supported");
            default: fail(source_, e.start_mark, "unexpected YAML event");
        }
    }

private:
    json::Value sequence(int depth) {
        json::Value v;
        v.kind = Kind::array;
        while (true) {
            Event e;
            next(e);
            if (e.event.type == YAML_SEQUENCE_END_EVENT) return v;
            v.items.push_back(node(e.event, depth + 1));
        }
    }

    json::Value mapping(int depth) {
        json::Value v;
        v.kind = Kind::object;
        while (true) {
            Event k;
            next(k);
            if (k.event.type == YAML_MAPPING_END_EVENT) return v;
            if (k.event.type != YAML_SCALAR_EVENT)
                fail(source_, k.event.start_mark, "mapping keys must be scalars");
            std::string key(reinterpret_cast<const char*>(k.event.data.scalar.value),
                            k.event.data.scalar.length);
            Event val;
            next(val);
            json::Value value = node(val.event, depth + 1);
            // The last of repeated keys wins, as in json::parse().
            std::erase_if(v.members, [&](const auto& m) { return m.first == key; });
            v.members.emplace_back(std::move(key), std::move(value));
        }
    }

    yaml_parser_t& parser_;
    std::string_view source_;
};

}  // namespace

json::Value parse_yaml(std::string_view text, std::string_view source) {
    Parser p;
    yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    Builder b(p.parser, source);
    Event e;
    b.next(e);  // STREAM_START
    Event doc;
    b.next(doc);
    if (doc.event.type != YAML_DOCUMENT_START_EVENT) fail(source, doc.event.start_mark, "empty document");
    Event root;
    b.next(root);
    json::Value value = b.node(root.event, 1);
    Event doc_end;
    b.next(doc_end);
    Event after;
    b.next(after);
    if (after.event.type != YAML_STREAM_END_EVENT)
        fail(source, after.event.start_mark, "more than one document");
    return value;
}

}  // namespace berth::nvidia
