// `berth completion bash|zsh|fish`: shell completion scripts generated from the command
// table (command_table()), so every subcommand and flag the parser knows is completed and
// none is forgotten when a flag is added. meson runs the built binary to write the scripts
// it installs (src/meson.build). Hidden flags (runc's, accepted and ignored) are not offered.
#include "cli/args.hpp"
#include "cli/command.hpp"

#include <fmt/format.h>

#include <iterator>
#include <string>

namespace berth::cli {
namespace {

// What the shell offers for a flag's value.
enum class ValueKind { none, choices, directories, files, text };

ValueKind value_kind(const FlagInfo& flag) {
    if (flag.value_name.empty()) return ValueKind::none;
    if (!flag.choices.empty()) return ValueKind::choices;
    if (flag.value_name == "DIR") return ValueKind::directories;
    // Not "[CONTROLLER:]PATH" (a cgroup) or "PROFILE": host paths only.
    if (flag.value_name == "FILE" || flag.value_name == "PATH") return ValueKind::files;
    return ValueKind::text;
}

bool takes_container_id(const CommandHelp& command) {
    return command.help.usage.find("<container-id>") != std::string_view::npos;
}

// "-b --bundle"
std::string spellings(const FlagInfo& flag, std::string_view separator) {
    std::string out;
    for (auto name : flag.names) {
        fmt::format_to(std::back_inserter(out), "{}{}{}", out.empty() ? "" : separator,
                       name.size() == 1 ? "-" : "--", name);
    }
    return out;
}

std::string joined(const std::vector<std::string_view>& words, std::string_view separator) {
    std::string out;
    for (auto word : words) fmt::format_to(std::back_inserter(out), "{}{}", out.empty() ? "" : separator, word);
    return out;
}

// `text` inside single quotes for sh-like shells ('\'' ends, escapes and reopens).
std::string sh_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// `text` as zsh's _arguments wants it in a [description] (`special` "[]") or a :message:
// part (`special` ":").
std::string zsh_escape(std::string_view text, std::string_view special) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || special.find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

// --- bash ---------------------------------------------------------------------------------

// Case patterns "cmd name" for the flags of `command` whose values are of `kind`.
std::string bash_value_patterns(const CommandHelp& command, ValueKind kind) {
    std::string out;
    for (const auto& flag : command.help.flags) {
        if (flag.hidden || value_kind(flag) != kind) continue;
        for (auto name : flag.names) {
            fmt::format_to(std::back_inserter(out), "{}\"{} {}\"", out.empty() ? "" : "|", command.name, name);
        }
    }
    return out;
}

std::string bash_tables(const std::vector<CommandHelp>& table) {
    std::string flags, values, ids, commands, choices;
    for (const auto& command : table) {
        std::vector<std::string_view> valued;
        std::string spelled;
        for (const auto& flag : command.help.flags) {
            if (flag.hidden) continue;
            fmt::format_to(std::back_inserter(spelled), "{} ", spellings(flag, " "));
            if (!flag.value_name.empty() && !flag.value_optional) {
                valued.insert(valued.end(), flag.names.begin(), flag.names.end());
            }
            if (value_kind(flag) == ValueKind::choices) {
                for (auto name : flag.names) {
                    fmt::format_to(std::back_inserter(choices), "        \"{} {}\") words={} ;;\n",
                                   command.name, name, sh_quote(joined(flag.choices, " ")));
                }
            }
        }
        // bash has no empty key: the global flags are under "-".
        std::string_view key = command.name.empty() ? "-" : command.name;
        fmt::format_to(std::back_inserter(flags), "    flags[{}]={}\n", key,
                       sh_quote(spelled + "--help -h"));
        fmt::format_to(std::back_inserter(values), "    values[{}]={}\n", key,
                       sh_quote(" " + joined(valued, " ") + " "));
        if (!command.name.empty()) fmt::format_to(std::back_inserter(commands), "{} ", command.name);
        if (takes_container_id(command)) fmt::format_to(std::back_inserter(ids), "{} ", command.name);
    }
    return fmt::format(
        "    local -A flags values\n{}{}    local commands={} ids={}\n"
        "    # The words a flag's value may be (cmd is empty for a global flag).\n"
        "    _berth_choices() {{\n"
        "        local words=\n"
        "        case \"$1 $2\" in\n{}        esac\n"
        "        printf '%s\\n' $words\n"
        "    }}\n",
        flags, values, sh_quote(commands), sh_quote(" " + ids), choices);
}

std::string bash_script(const std::vector<CommandHelp>& table) {
    std::string dirs, files;
    for (const auto& command : table) {
        auto d = bash_value_patterns(command, ValueKind::directories);
        auto f = bash_value_patterns(command, ValueKind::files);
        if (!d.empty()) dirs += (dirs.empty() ? "" : "|") + d;
        if (!f.empty()) files += (files.empty() ? "" : "|") + f;
    }
    return fmt::format(R"SH(# bash completion for berth(8): generated by `berth completion bash` from berth's
# command table. Container ids come from `berth list -q` (with the line's --root).
_berth() {{
{}
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=${{COMP_WORDS[COMP_CWORD]}} words=("${{COMP_WORDS[@]}}") cword=$COMP_CWORD
    fi
    local cmd= npos=0 i word name root=() value_of=
    for ((i = 1; i < cword; i++)); do
        word=${{words[i]}}
        if [[ $word == -?* ]]; then
            name=${{word#-}} name=${{name#-}}
            if [[ $name == *=* ]]; then
                [[ -z $cmd && ${{name%%=*}} == root ]] && root=(--root "${{name#*=}}")
            elif [[ ${{values[${{cmd:--}}]}} == *" $name "* ]]; then
                [[ -z $cmd && $name == root ]] && root=(--root "${{words[i+1]}}")
                ((i + 1 == cword)) && value_of=$name
                ((i++))
            fi
        elif [[ -z $cmd ]]; then
            cmd=$word
            [[ -n ${{flags[$cmd]+set}} ]] || return 0
        else
            ((npos++))
        fi
    done
    local prefix=
    if [[ -z $value_of && $cur == -?*=* ]]; then
        value_of=${{cur%%=*}} value_of=${{value_of#-}} value_of=${{value_of#-}}
        prefix=${{cur%%=*}}= cur=${{cur#*=}}
    fi
    if [[ -n $value_of ]]; then
        case "$cmd $value_of" in
            {}) COMPREPLY=($(compgen -d -- "$cur")) ;;
            {}) COMPREPLY=($(compgen -f -- "$cur")) ;;
            *) COMPREPLY=($(compgen -W "$(_berth_choices "$cmd" "$value_of")" -- "$cur")) ;;
        esac
        ((${{#prefix}})) && COMPREPLY=("${{COMPREPLY[@]/#/$prefix}}")
        return 0
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "${{flags[${{cmd:--}}]}}" -- "$cur"))
    elif [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "$commands" -- "$cur"))
    elif ((npos == 0)) && [[ $ids == *" $cmd "* ]]; then
        COMPREPLY=($(compgen -W "$("${{words[0]}}" "${{root[@]}}" list -q 2>/dev/null)" -- "$cur"))
    fi
    return 0
}}
complete -F _berth berth
)SH",
                       bash_tables(table), dirs.empty() ? "\"\"" : dirs, files.empty() ? "\"\"" : files);
}

// --- zsh ----------------------------------------------------------------------------------

// One _arguments spec per flag: '(-b --bundle)'{-b,--bundle=}'[help]:DIR:_files -/'
std::string zsh_flag_spec(const FlagInfo& flag) {
    std::string action;
    switch (value_kind(flag)) {
        case ValueKind::none: break;
        case ValueKind::choices: action = fmt::format("({})", joined(flag.choices, " ")); break;
        case ValueKind::directories: action = "_files -/"; break;
        case ValueKind::files: action = "_files"; break;
        case ValueKind::text: action = " "; break;
    }
    std::string argument;
    if (!flag.value_name.empty()) {
        argument = fmt::format("{}{}:{}", flag.value_optional ? "::" : ":", zsh_escape(flag.value_name, ":"), action);
    }
    std::string names;
    for (auto name : flag.names) {
        bool takes_value = !flag.value_name.empty() && !flag.value_optional && name.size() > 1;
        fmt::format_to(std::back_inserter(names), "{}{}{}{}", names.empty() ? "" : ",",
                       name.size() == 1 ? "-" : "--", name, takes_value ? "=" : "");
    }
    if (flag.names.size() > 1) names = "{" + names + "}";
    return fmt::format("{}{}", names, sh_quote(fmt::format("[{}]{}", zsh_escape(flag.help, "[]"), argument)));
}

std::string zsh_specs(const CommandHelp& command, std::string_view indent) {
    std::string out;
    for (const auto& flag : command.help.flags) {
        if (!flag.hidden) fmt::format_to(std::back_inserter(out), " \\\n{}{}", indent, zsh_flag_spec(flag));
    }
    fmt::format_to(std::back_inserter(out), " \\\n{}{{-h,--help}}'[show this help]'", indent);
    if (takes_container_id(command)) fmt::format_to(std::back_inserter(out), " \\\n{}'1:container id:_berth_ids'", indent);
    return out;
}

std::string zsh_script(const std::vector<CommandHelp>& table) {
    std::string commands, cases;
    for (const auto& command : table) {
        if (command.name.empty()) continue;
        fmt::format_to(std::back_inserter(commands), "\n        {}",
                       sh_quote(fmt::format("{}:{}", command.name, command.summary)));
        fmt::format_to(std::back_inserter(cases), "                {})\n                    _arguments{} && ret=0 ;;\n",
                       command.name, zsh_specs(command, "                        "));
    }
    return fmt::format(R"SH(#compdef berth
# zsh completion for berth(8): generated by `berth completion zsh` from berth's command
# table. Container ids come from `berth list -q` (with the line's --root).
_berth_ids() {{
    local -a ids root
    local i=${{BERTH_COMPLETION_LINE[(I)--root(=*|)]}}
    (( i )) && root=(${{(s:=:)BERTH_COMPLETION_LINE[i]}}) && (( $#root == 1 )) && root+=($BERTH_COMPLETION_LINE[i+1])
    (( i )) && root[1]=--root
    ids=(${{(f)"$(_call_program container-ids $BERTH_COMPLETION_LINE[1] $root list -q 2>/dev/null)"}})
    _describe -t container-ids 'container id' ids
}}

_berth() {{
    local curcontext=$curcontext state line ret=1
    local -a BERTH_COMPLETION_LINE=("${{words[@]}}")
    local -a commands=({}
    )
    _arguments -C{} \
        '1: :->command' \
        '*:: :->args' && ret=0
    case $state in
        command) _describe -t commands 'berth command' commands && ret=0 ;;
        args)
            curcontext=${{curcontext%:*:*}}:berth-$words[1]:
            case $words[1] in
{}            esac ;;
    esac
    return ret
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _berth "$@"
else
    compdef _berth berth
fi
)SH",
                       commands, zsh_specs(table.front(), "        "), cases);
}

// --- fish ---------------------------------------------------------------------------------

std::string fish_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string fish_flag(const FlagInfo& flag, std::string_view condition) {
    std::string line = fmt::format("complete -c berth -n {}", fish_quote(condition));
    for (auto name : flag.names) {
        fmt::format_to(std::back_inserter(line), " -{} {}", name.size() == 1 ? "s" : "l", name);
    }
    switch (value_kind(flag)) {
        case ValueKind::none: break;
        case ValueKind::choices: line += " -x -a " + fish_quote(joined(flag.choices, " ")); break;
        case ValueKind::directories: line += " -x -a '(__fish_complete_directories)'"; break;
        case ValueKind::files: line += " -r -F"; break;
        case ValueKind::text: line += " -x"; break;
    }
    return line + " -d " + fish_quote(flag.help) + "\n";
}

std::string fish_script(const std::vector<CommandHelp>& table) {
    std::string names;
    for (const auto& command : table) {
        if (!command.name.empty()) fmt::format_to(std::back_inserter(names), " {}", command.name);
    }
    std::string out = fmt::format(R"SH(# fish completion for berth(8): generated by `berth completion fish` from berth's
# command table. Container ids come from `berth list -q` (with the line's --root).
function __berth_ids
    set -l line (commandline -opc)
    set -l root
    for i in (seq (count $line))
        switch $line[$i]
            case --root -root
                set root --root $line[(math $i + 1)]
            case '--root=*' '-root=*'
                set root --root (string replace -r '^[^=]*=' '' -- $line[$i])
        end
    end
    command $line[1] $root list -q 2>/dev/null
end
complete -c berth -f
)SH");
    for (const auto& command : table) {
        std::string condition = command.name.empty()
                                    ? "not __fish_seen_subcommand_from" + names
                                    : fmt::format("__fish_seen_subcommand_from {}", command.name);
        if (command.name.empty()) {
            for (const auto& entry : table) {
                if (entry.name.empty()) continue;
                out += fmt::format("complete -c berth -n {} -a {} -d {}\n", fish_quote(condition), entry.name,
                                   fish_quote(entry.summary));
            }
        } else if (takes_container_id(command)) {
            out += fmt::format("complete -c berth -n {} -a '(__berth_ids)' -d 'container'\n", fish_quote(condition));
        }
        for (const auto& flag : command.help.flags) {
            if (!flag.hidden) out += fish_flag(flag, condition);
        }
        out += fmt::format("complete -c berth -n {} -s h -l help -d 'show this help'\n", fish_quote(condition));
    }
    return out;
}

}  // namespace

std::string completion_script(std::string_view shell, const std::vector<CommandHelp>& table) {
    if (shell == "bash") return bash_script(table);
    if (shell == "zsh") return zsh_script(table);
    if (shell == "fish") return fish_script(table);
    throw UsageError(fmt::format("unknown shell \"{}\": want bash, zsh or fish", shell));
}

}  // namespace berth::cli
