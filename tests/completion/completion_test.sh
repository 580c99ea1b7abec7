#!/usr/bin/env bash
# The shell completions `berth completion bash|zsh|fish` generates: every subcommand and
# every flag `berth CMD --help` lists is offered, flag values and container ids (from a
# real container in a private --root) are completed. bash is driven through its
# completion function (COMP_WORDS/COMP_CWORD, COMPREPLY); zsh through an interactive zsh
# in a pty; fish with `complete -C`. Prints TAP. Needs root (it creates a container).
#   completion_test.sh BERTH SOURCE_ROOT
set -uo pipefail
berth=${1:?usage: completion_test.sh BERTH SOURCE_ROOT}
top=${2:?usage: completion_test.sh BERTH SOURCE_ROOT}
here=$top/tests/completion
T=$(mktemp -d /tmp/berth-completion.XXXXXX)
cleanup() {
  "$berth" --root "$T/state" delete --force c1 >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
n=0 failed=0
ok() { n=$((n + 1)); if [[ $1 == 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
# expect NAME WANT GOT: GOT (words) contains every word of WANT
expect() {
  local name=$1 want=$2 got=" $(echo $3) " w missing=
  for w in $want; do [[ $got == *" $w "* ]] || missing+=" $w"; done
  [[ -z $missing ]] || echo "# $name: missing$missing in:$got"
  ok "$([[ -z $missing ]]; echo $?)" "$name"
}

mkdir -p "$T/bin" "$T/zsh"
ln -s "$(realpath "$berth")" "$T/bin/berth"
export PATH=$T/bin:$PATH
for shell in bash zsh fish; do
  berth completion "$shell" >"$T/berth.$shell"
  ok $? "berth completion $shell prints a script"
done
berth completion tcsh >/dev/null 2>"$T/err"
ok "$([[ $? == 1 && $(cat "$T/err") == 'berth completion: unknown shell "tcsh": want bash, zsh or fish' ]]; echo $?)" \
  "an unknown shell is refused in one line"
cp "$T/berth.zsh" "$T/zsh/_berth"

# A real container, so ids come from `berth list -q` with the line's --root.
BERTH=$berth "$top/contrib/make-bundle.sh" "$T/bundle" sleep 60 >/dev/null
berth --root "$T/state" create --bundle "$T/bundle" c1
ok $? "a container to complete (berth create)"

# Each command's flags, read from its --help (not from the generator's table).
commands=$(berth --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF {print $1}')
help_flags() { berth $1 --help | sed -n '/^Options:/,$p' | grep -oE '(^|[ ,])--?[a-z][a-z0-9-]*' | tr -d ' ,'; }

# --- bash: complete -p, then COMP_WORDS/COMP_CWORD and _berth, with and without bash-completion
bash_complete() {  # prints COMPREPLY for the words given (the last one is being completed)
  bash -c '
    [[ $1 == full ]] && source /usr/share/bash-completion/bash_completion
    source "$2"; shift 2
    complete -p berth >/dev/null || exit 1
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _berth; printf "%s\n" "${COMPREPLY[@]}"' bash "$mode" "$T/berth.bash" "$@"
}
bash -c "source $T/berth.bash; complete -p berth" | grep -qx 'complete -F _berth berth'
ok $? "bash: complete -p berth names _berth"
for mode in plain full; do
  expect "bash ($mode): commands" "$commands" "$(bash_complete berth '')"
  expect "bash ($mode): berth cr" "create" "$(bash_complete berth cr)"
  expect "bash ($mode): global flags" "$(help_flags '')" "$(bash_complete berth -)"
  for cmd in $commands; do
    expect "bash ($mode): berth $cmd -" "$(help_flags "$cmd")" "$(bash_complete berth "$cmd" -)"
  done
  expect "bash ($mode): ids after --root" "c1" "$(bash_complete berth --root "$T/state" kill '')"
  expect "bash ($mode): list --format" "table json" "$(bash_complete berth list --format '')"
  expect "bash ($mode): --log-format j" "json" "$(bash_complete berth --log-format j)"
  expect "bash ($mode): create --bundle DIR" "$T/bundle" "$(bash_complete berth create --bundle "$T/bun")"
done
expect "bash (full): --format=j" "--format=json" "$(mode=full bash_complete berth list --format=j)"
# No ids where a command takes none, nothing after an unknown command.
ok "$([[ -z $(mode=plain bash_complete berth --root "$T/state" spec '') ]]; echo $?)" "bash: spec takes no container id"
ok "$([[ -z $(mode=plain bash_complete berth nosuch '') ]]; echo $?)" "bash: nothing after an unknown command"

# --- zsh: loaded by compinit from an fpath dir, then queried in a pty
if command -v zsh >/dev/null; then
  zsh -fc "fpath=($T/zsh \$fpath); autoload -U compinit; compinit -u -D; print \$_comps[berth]" | grep -qx _berth
  ok $? "zsh: compinit registers _berth for berth"
  zq() { timeout 20 zsh -f "$here/zsh-complete.zsh" "$T/zsh" "$1"; }
  expect "zsh: berth cr" "create" "$(zq 'berth cr')"
  expect "zsh: berth exec --" "$(help_flags exec | grep -- '^--')" "$(zq 'berth exec --')"
  expect "zsh: list --format" "table json" "$(zq 'berth list --format ')"
  expect "zsh: ids after --root" "c1" "$(zq "berth --root $T/state start ")"
else
  echo "ok $((n += 1)) # SKIP zsh is not installed (contrib/install-deps.sh test)"
fi

# --- fish: complete -C
if command -v fish >/dev/null; then
  fq() { fish --no-config -c "source $T/berth.fish; complete -C '$1'" | cut -f1; }
  expect "fish: berth cr" "create" "$(fq 'berth cr')"
  expect "fish: berth update --" "$(help_flags update | grep -- '^--')" "$(fq 'berth update --')"
  expect "fish: list --format" "table json" "$(fq 'berth list --format ')"
  expect "fish: ids after --root" "c1" "$(fq "berth --root $T/state pause ")"
else
  echo "ok $((n += 1)) # SKIP fish is not installed (contrib/install-deps.sh test)"
fi

echo "1..$n"
exit $failed
