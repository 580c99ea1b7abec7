// The kernel's list syntax for CPUs and NUMA nodes ("0-3,7"), shared by the process
// attributes (execCPUAffinity), the memory policy and the systemd driver (AllowedCPUs).
// Pure text: no kernel call. Runs in the parent.
#pragma once

#include <string_view>
#include <vector>

namespace berth::text {

// The ids `list` names, ascending and without repeats: "0-3,7" is {0, 1, 2, 3, 7}; "" is {}.
// Every id must be below `limit`. Throws berth::Error `<field>: invalid <what> list "<list>"`
// for an empty item, a range that runs backwards, a non-number or an id at or above `limit`.
std::vector<unsigned> parse_id_list(std::string_view list, unsigned limit, std::string_view field,
                                    std::string_view what);

}  // namespace berth::text
