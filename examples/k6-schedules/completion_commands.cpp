// SPDX-License-Identifier: BSL-1.0
// completion: a bash or zsh completion script for the tool. The script is written at run time from
// the table of commands (command_table.cpp) and the global flags (arguments.cpp), so it offers
// exactly the commands and flags this build accepts and cannot drift from them.
#include "command.hpp"

#include <cstddef>
#include <cstdint>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace k6::cli {

namespace {

// The shells there is a script for: completion's own argument, completed too.
const std::set<std::string> completion_shells{"bash", "zsh"};

// What the tables cannot say: which flags take a file, and the words some flags take. A flag named
// here that the tool does not have is left out of the scripts.
const std::set<std::string> completion_file_flags{"--token-file", "--ca-file", "--from-file", "--output", "--save"};

const std::map<std::string, std::vector<std::string>> completion_flag_words = [] {
    // A few common IANA zones, as a start: any other zone works too.
    const std::vector<std::string> zones{"UTC",
                                         "Europe/London",
                                         "Europe/Berlin",
                                         "Europe/Paris",
                                         "America/New_York",
                                         "America/Chicago",
                                         "America/Los_Angeles",
                                         "America/Sao_Paulo",
                                         "Asia/Kolkata",
                                         "Asia/Singapore",
                                         "Asia/Tokyo",
                                         "Australia/Sydney"};
    std::vector<std::string> tz_words{"local"};  // --tz also takes this machine's clock
    tz_words.insert(tz_words.end(), zones.begin(), zones.end());
    return std::map<std::string, std::vector<std::string>>{
        {"--frequency", {"hourly", "daily", "weekly", "monthly", "yearly"}},
        {"--state", {"active", "deactivated", "expired"}},
        {"-o", {"wide"}},
        {"--tz", tz_words},
        {"--time-zone", zones},
    };
}();

std::string completion_join(const auto& words) {
    std::string joined;
    for (const auto& word : words) {
        if (!joined.empty()) joined += ' ';
        joined += word;
    }
    return joined;
}

// A command's flags with a value, those that may repeat (--state) included.
std::set<std::string> completion_valued(const Command& command) {
    std::set<std::string> valued = command.shape.valued;
    valued.insert(command.shape.repeatable.begin(), command.shape.repeatable.end());
    return valued;
}

// Every flag of the tool: the global ones and every command's.
std::set<std::string> completion_known_flags() {
    std::set<std::string> flags = global_flags();
    for (const Command& command : commands()) {
        flags.merge(completion_valued(command));
        flags.insert(command.shape.switches.begin(), command.shape.switches.end());
    }
    return flags;
}

std::set<std::string> completion_global_switches() {
    std::set<std::string> switches;
    for (const auto& flag : global_flags())
        if (!global_valued_flags().contains(flag)) switches.insert(flag);
    return switches;
}

// The words a command's positionals are chosen from: its shape's (auth status), or the shells for
// completion itself; empty for anything else.
std::set<std::string> completion_choices(const Command& command) {
    if (command.name == "completion") return completion_shells;
    return command.shape.words;
}

// What a command's positionals are: "words" (completion_choices), "file" where its synopsis says
// "NAME FILE" (plan, apply, resume), "" for anything not completed (ids).
std::string completion_positional_kind(const Command& command) {
    if (!completion_choices(command).empty()) return "words";
    if (command.help.synopsis.contains(std::string(" ").append(command.name).append(" FILE"))) return "file";
    return "";
}

// How many positionals a command takes, -1 for any number: the scripts offer its flags once they
// are given.
long long completion_wanted(const Command& command) {
    return command.shape.positionals == SIZE_MAX ? -1 : static_cast<long long>(command.shape.positionals);
}

// A command's description up to its first stop, on one line: zsh shows it beside the name.
std::string completion_summary(const Command& command) {
    std::string text(command.help.description.substr(0, command.help.description.find_first_of(".:;,")));
    for (char& c : text)
        if (c == '\n') c = ' ';
    return text;
}

// `text` in single quotes for either shell.
std::string completion_quoted(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

// The flags whose values are files or a list of words, as case patterns for the value function.
struct CompletionValueFlags {
    std::string files;                              // "--ca-file|--output"
    std::map<std::string, std::string> word_lists;  // flag -> "hourly daily ..."
};

CompletionValueFlags completion_value_flags() {
    const auto known = completion_known_flags();
    CompletionValueFlags flags;
    for (const auto& flag : completion_file_flags)
        if (known.contains(flag)) flags.files.append(flags.files.empty() ? "" : "|").append(flag);
    for (const auto& [flag, words] : completion_flag_words)
        if (known.contains(flag)) flags.word_lists[flag] = completion_join(words);
    return flags;
}

void write_bash_completion(std::ostream& out) {
    const auto values = completion_value_flags();
    out << "# bash completion for k6-schedules, written by `k6-schedules completion bash` from the tool's\n"
           "# own tables of commands and flags. Load it with: source <(k6-schedules completion bash)\n"
           "\n"
           "# COMPREPLY: what `compgen \"$@\"` prints, one candidate a line (a file name with spaces stays whole).\n"
           "_k6_schedules_reply() {\n"
           "    COMPREPLY=()\n"
           "    local line\n"
           "    while IFS= read -r line; do COMPREPLY+=(\"$line\"); done < <(compgen \"$@\")\n"
           "}\n"
           "\n"
           "# Completes the word $2 as the value of flag $1.\n"
           "_k6_schedules_value() {\n"
           "    case $1 in\n";
    if (!values.files.empty())
        out << "        " << values.files << ")\n"
            << "            compopt -o filenames 2>/dev/null  # fails outside a completion: nothing lost\n"
               "            _k6_schedules_reply -f -- \"$2\" ;;\n";
    for (const auto& [flag, words] : values.word_lists)
        out << "        " << flag << ") _k6_schedules_reply -W " << completion_quoted(words) << " -- \"$2\" ;;\n";
    out << "        *) COMPREPLY=() ;;  # free text: an id, a number, a time\n"
           "    esac\n"
           "}\n"
           "\n"
           "# For command $1, sets the caller's valued and switches (its flags), wants (how many positionals\n"
           "# it takes; -1: any number), what (what they are: file, words, or \"\" for an id, not completed)\n"
           "# and choices (the words).\n"
           "_k6_schedules_command() {\n"
           "    case $1 in\n";
    for (const Command& command : commands())
        out << "        " << command.name << ") valued=" << completion_quoted(completion_join(completion_valued(command)))
            << " switches=" << completion_quoted(completion_join(command.shape.switches))
            << " wants=" << completion_wanted(command) << " what=" << completion_positional_kind(command)
            << " choices=" << completion_quoted(completion_join(completion_choices(command))) << " ;;\n";
    out << "        *) return 1 ;;\n"
           "    esac\n"
           "}\n"
           "\n"
           "_k6_schedules() {\n"
           "    local global_valued="
        << completion_quoted(completion_join(global_valued_flags())) << "\n"
        << "    local global_switches=" << completion_quoted(completion_join(completion_global_switches())) << "\n"
        << "    local commands=" << completion_quoted(completion_join(command_names())) << "\n"
        << R"(    local cur=${COMP_WORDS[COMP_CWORD]} prev=
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    # The words before this one: global flags (some with a value), the command, then its flags and
    # positionals. bash splits --flag=value into three words: --flag, =, value.
    local command= valued= switches= wants=0 what= choices= given=0 word i=1
    while (( i < COMP_CWORD )); do
        word=${COMP_WORDS[i]}
        if [[ ${COMP_WORDS[i+1]} == = ]]; then
            (( i += 3 ))
            continue
        fi
        if [[ $word == -?* ]]; then
            [[ " $global_valued $valued " == *" $word "* ]] && (( i += 1 ))  # its value
        elif [[ -z $command ]]; then
            command=$word
            _k6_schedules_command "$command" || return 0  # an unknown command: nothing to offer
        else
            (( given += 1 ))
        fi
        (( i += 1 ))
    done
    # This word is a flag's value: after "--flag", or after "--flag=".
    local flag=$prev
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
        flag=${COMP_WORDS[COMP_CWORD-2]}
    fi
    if [[ -n $flag && " $global_valued $valued " == *" $flag "* ]]; then
        _k6_schedules_value "$flag" "$cur"
        return 0
    fi
    if [[ -z $command ]]; then
        if [[ $cur == -* ]]; then
            _k6_schedules_reply -W "$global_valued $global_switches" -- "$cur"
        else
            _k6_schedules_reply -W "$commands" -- "$cur"
        fi
    elif [[ $cur != -* ]] && (( wants < 0 || given < wants )); then
        case $what in
            file)
                compopt -o filenames 2>/dev/null
                _k6_schedules_reply -f -- "$cur" ;;
            words) _k6_schedules_reply -W "$choices" -- "$cur" ;;
            *) COMPREPLY=() ;;
        esac
    else
        _k6_schedules_reply -W "$valued $switches $global_valued $global_switches" -- "$cur"
    fi
    return 0
}

complete -F _k6_schedules k6-schedules
)";
}

// A native zsh function over the same data: compadd and _files, with each command's summary.
void write_zsh_completion(std::ostream& out) {
    const auto values = completion_value_flags();
    out << "#compdef k6-schedules\n"
           "# zsh completion for k6-schedules, written by `k6-schedules completion zsh` from the tool's own\n"
           "# tables of commands and flags. Save it as _k6-schedules in a directory of $fpath (before\n"
           "# compinit runs), or load it with: source <(k6-schedules completion zsh)\n"
           "\n"
           "# Completes the current word as the value of flag $1.\n"
           "_k6-schedules_value() {\n"
           "  case $1 in\n";
    if (!values.files.empty()) out << "    (" << values.files << ") _files ;;\n";
    for (const auto& [flag, words] : values.word_lists) out << "    (" << flag << ") compadd -- " << words << " ;;\n";
    out << "    (*) _message \"the value of $1\" ;;  # free text: an id, a number, a time\n"
           "  esac\n"
           "}\n"
           "\n"
           "# For command $1, sets the caller's valued and switches (its flags), wants (how many positionals\n"
           "# it takes; -1: any number), what (what they are: file, words, or \"\" for an id, not completed)\n"
           "# and choices (the words).\n"
           "_k6-schedules_command() {\n"
           "  case $1 in\n";
    for (const Command& command : commands())
        out << "    (" << command.name << ") valued=(" << completion_join(completion_valued(command)) << ") switches=("
            << completion_join(command.shape.switches) << ") wants=" << completion_wanted(command)
            << " what=" << completion_positional_kind(command) << " choices=("
            << completion_join(completion_choices(command)) << ") ;;\n";
    out << "    (*) return 1 ;;\n"
           "  esac\n"
           "}\n"
           "\n"
           "_k6-schedules() {\n"
           "  local -a global_valued global_switches command_list valued switches choices\n"
           "  global_valued=("
        << completion_join(global_valued_flags()) << ")\n"
        << "  global_switches=(" << completion_join(completion_global_switches()) << ")\n"
        << "  command_list=(\n";
    for (const Command& command : commands()) {
        std::string summary = completion_summary(command);
        std::string escaped;  // _describe splits name and description at the first unescaped colon
        for (const char c : summary) escaped += c == ':' ? std::string("\\:") : std::string(1, c);
        out << "    " << completion_quoted(std::string(command.name) + ":" + escaped) << "\n";
    }
    out << R"(  )
  # The words before this one: global flags (some with a value), the command, then its flags and
  # positionals.
  local command= what= word cur=${words[CURRENT]}
  integer wants=0 given=0 i=2
  while (( i < CURRENT )); do
    word=${words[i]}
    if [[ $word == -?* ]]; then
      (( ${global_valued[(Ie)$word]} || ${valued[(Ie)$word]} )) && (( i += 1 ))  # its value
    elif [[ -z $command ]]; then
      command=$word
      _k6-schedules_command $command || return 1  # an unknown command: nothing to offer
    else
      (( given += 1 ))
    fi
    (( i += 1 ))
  done
  # This word is a flag's value: after "--flag", or after "--flag=" in the same word.
  local flag=${words[CURRENT-1]}
  if [[ $cur == -*=* ]]; then
    flag=${cur%%=*}
    compset -P '*='
  fi
  if (( ${global_valued[(Ie)$flag]} || ${valued[(Ie)$flag]} )); then
    _k6-schedules_value $flag
  elif [[ -z $command ]]; then
    if [[ $cur == -* ]]; then
      compadd -- $global_valued $global_switches
    else
      _describe -t commands 'k6-schedules command' command_list
    fi
  elif [[ $cur != -* ]] && (( wants < 0 || given < wants )); then
    case $what in
      (file) _files ;;
      (words) compadd -- $choices ;;
      (*) _message 'an id' ;;
    esac
  else
    compadd -- $valued $switches $global_valued $global_switches
  fi
}

# Autoloaded from $fpath, this file's body runs as _k6-schedules: run the function it just defined.
# Sourced, register it.
if [[ $funcstack[1] == _k6-schedules ]]; then
  _k6-schedules "$@"
else
  compdef _k6-schedules k6-schedules
fi
)";
}

}  // namespace

asio::awaitable<int> run_completion(Context, const CommandArguments& args) {
    if (args.positionals().empty()) throw UsageError("a shell is required: bash or zsh", "completion");
    const std::string& shell = args.positionals().front();
    if (!completion_shells.contains(shell))
        throw UsageError("unknown shell " + shell + did_you_mean(shell, completion_shells) + ": bash or zsh",
                         "completion");
    if (shell == "bash")
        write_bash_completion(std::cout);
    else
        write_zsh_completion(std::cout);
    co_return 0;
}

}  // namespace k6::cli
