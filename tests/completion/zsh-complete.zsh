# Prints the candidates zsh offers for a command line: an interactive zsh in a pty (zsh/zpty)
# with compinit over FPATHDIR, compadd wrapped to report what it adds, and LINE typed with a tab.
#   zsh -f zsh-complete.zsh FPATHDIR LINE
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" insert-tab false'
zpty -w z 'compadd() { local -a _r; builtin compadd -O _r "$@"; print -rl -- "<cand>"${^_r} >&2; builtin compadd "$@"; }'
zpty -w z 'PATH='"$PATH"
zpty -w z 'print -- "<ready>"'
zpty -r z line '*<ready>*'
zpty -w -n z "$2"$'\t'
sleep 0.5
zpty -w z $'\C-u print -- "<done>"'
out=
while zpty -r z line; do out+=$line; [[ $line == *'<done>'* && $line != *print* ]] && break; done
print -r -- "$out" | grep -ao '<cand>[^<[:cntrl:]]*' | sed 's/<cand>//' | sort -u
zpty -d z
