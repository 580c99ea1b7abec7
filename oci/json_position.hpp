// Internal to oci/: where a JSON syntax error is, as a byte offset.
//
// yajl's yajl_get_bytes_consumed() after an error is the offset where its lexer
// happened to stop, which depends on the error path (some paths step back over the
// token, some do not, string tokens are counted without quotes). This re-lexes the
// text to turn that into a stable answer: the offending byte for a lexical error,
// the start of the unexpected token for a parse error.
#pragma once

#include <cstddef>
#include <string_view>

namespace berth::json::detail {

enum class ErrorKind {
    lexical,        // a byte that cannot start or continue a token
    after_token,    // yajl stopped just past the unexpected token
    inside_token,   // yajl stepped back into the unexpected token
};

std::size_t locate_error(std::string_view text, std::size_t yajl_offset, ErrorKind kind);

}  // namespace berth::json::detail
