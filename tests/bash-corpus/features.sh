# Bash-only features that the wasix-libc bash 5.1 runs as a script file (its reader loop).
# No shell functions, $(...), or temporary assignments before a builtin (IFS=, read):
# those run bash's unwind-protect cleanups, which trap in that build (wasix_fixtures.rs).
x=(alpha beta gamma)
echo "${x[1]} ${#x[@]} ${x[@]:1}"
x+=(delta)
echo "${x[-1]} ${!x[@]}"
declare -A m
m[one]=1
m[two]=2
echo "${m[one]}${m[two]} ${#m[@]}"
s="Hello, World"
echo "${s^^} ${s,,} ${s/World/There} ${s:7:5} ${#s}"
[[ $s == Hello* ]] && echo glob-match
[[ abc123 =~ ^([a-z]+)([0-9]+)$ ]] && echo "re ${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
[[ -z "" && -n x ]] && echo test-ok
echo $(( 7 * 6 )) $(( 2 ** 10 )) $(( 17 % 5 ))
(( n = 3, n += 4 ))
echo "n=$n"
for ((i = 0; i < 3; i++)); do printf '%d;' "$i"; done
echo
i=0
while (( i < 3 )); do ((i++)); done
echo "i=$i"
case "$s" in H*) echo case-H ;; *) echo case-other ;; esac
for w in a b c; do echo -n "$w"; done
echo
printf '%s-%05.1f-%x\n' str 3.14159 255
v=unset-var
echo "${nope:-default} ${v:+set} ${#v}"
read -r a b <<< "one two"
echo "$a|$b"
echo {1..5} {a..c}
old_ifs=$IFS; IFS=,
parts=(p,q,r)
set -- $parts
IFS=$old_ifs
echo "$2 $#"
let "z = 5 + 5"
echo "z=$z"
echo one two three | while read -r w rest; do echo "w=$w rest=$rest"; done
( echo in-subshell; exit 3 ); echo "sub rc $?"
echo to-file > "$HOME/out.txt"; read -r back < "$HOME/out.txt"; echo "back=$back"
false || echo "or-branch $?"
echo done
