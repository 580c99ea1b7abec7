// libFuzzer target for the oci/ parsers.
//
// Properties checked on every input, for config.json, process.json and state.json:
//  - parsing either succeeds or throws berth::Error (anything else escapes and is a crash);
//  - whatever parses is written back by to_json() (compact and pretty), and that text
//    parses again to an equal value;
//  - any syntactically valid JSON tree can be written back out by json::Writer.
#include "oci/json.hpp"
#include "oci/parse.hpp"
#include "oci/state.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

// Parses `text`; if that succeeds, our own output must parse back to an equal value.
template <typename Parse>
void check(std::string_view text, Parse parse) {
    std::optional<decltype(parse(text))> first;
    try {
        first = parse(text);
    } catch (const berth::Error&) {
        return;  // rejected input: the expected outcome for most of it
    }
    for (bool pretty : {false, true}) {
        std::string written = berth::oci::to_json(*first, pretty);
        try {
            if (!(parse(written) == *first)) {
                std::fprintf(stderr, "round trip changed the value:\n%s\n", written.c_str());
                std::abort();
            }
        } catch (const berth::Error& e) {
            std::fprintf(stderr, "own output rejected: %s\n%s\n", e.what(), written.c_str());
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto config = [](std::string_view t) { return berth::oci::parse_config(t); };
    auto process = [](std::string_view t) { return berth::oci::parse_process(t); };
    auto state = [](std::string_view t) { return berth::oci::parse_state(t); };
    check(text, config);
    check(text, process);
    check(text, state);
    try {
        berth::json::Value tree = berth::json::parse(text);
        berth::json::Writer writer;
        writer.value(tree);
        (void)berth::json::parse(writer.str());
    } catch (const berth::Error&) {
    }
    return 0;
}
