# Other builtins: type, command, builtin, hash-free lookups, shopt, set -o listing, times-free.
type echo cd cat 2>&1 | sed 's|/usr/bin/|/bin/|'
command -v echo; command -V echo
builtin echo "via builtin"
echo() { builtin echo "wrapped: $*"; }; echo hi; unset -f echo
enable -n echo; echo "external echo" | cat; enable echo
shopt -q extglob && echo "extglob on" || echo "extglob off"
set -o noglob; [[ -o noglob ]] && echo "noglob on"; set +o noglob
alias ll='echo aliased'; shopt -s expand_aliases
eval 'll'
unalias ll
: "colon is true"; echo "colon rc=$?"
true; false; echo "false rc=$?"
echo -n "no newline"; echo
echo -e 'a\tb'; echo -E 'a\tb'
test -d / && echo "test -d"
[ "abc" \< "abd" ] && echo "[ string lt ]"
dirs_out=$(cd /; pushd /bin >/dev/null; dirs); echo "dirs: $dirs_out"
printf '%s\n' "${BASH_VERSION%%.*}"
caller_demo() { caller 0 | sed 's/ [^ ]*$//'; }; caller_demo
