# Associative arrays: declare -A, keys with spaces, iteration in sorted order, -v tests.
declare -A color=([apple]=red [banana]=yellow ["kiwi fruit"]=green)
color[plum]=purple
echo "${color[apple]} ${color["kiwi fruit"]} ${#color[@]}"
for k in $(printf '%s\n' "${!color[@]}" | sort); do echo "$k=${color[$k]}"; done
[[ -v color[banana] ]] && echo has-banana
[[ -v color[cherry] ]] || echo no-cherry
unset 'color[banana]'
echo "${#color[@]}"
declare -A count
for w in a b a c b a; do (( count[$w]++ )); done
for k in a b c; do echo "$k:${count[$k]}"; done
key="kiwi fruit"
color[$key]+=-ish
echo "${color[$key]}"
declare -A empty
echo "n=${#empty[@]}"
declare -A one=([k]=v)
declare -p one
