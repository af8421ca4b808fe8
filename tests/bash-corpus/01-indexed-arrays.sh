# Indexed arrays: literals, append, sparse indices, slices, keys, unset, length.
a=(zero one two three four)
echo "${a[0]} ${a[4]} ${#a[@]} ${#a[2]}"
a+=(five six)
echo "${a[@]}"
echo "${a[@]:1:2}" "|" "${a[@]: -2}"
a[10]=ten
echo "${!a[@]}"
unset 'a[1]'
echo "${#a[@]} ${a[*]}"
b=("${a[@]}")
echo "${!b[@]}"
for x in "${a[@]:2:3}"; do printf '<%s>' "$x"; done; echo
declare -a c=([3]=c [1]=a [2]=b)
echo "${c[*]}"
IFS=: ; echo "${c[*]}"; IFS=$' \t\n'
words=("with space" tab$'\t'x "")
printf '[%s]\n' "${words[@]}"
echo "${#words[@]}"
d=()
echo "empty:${#d[@]}:${d[@]-unset}"
e=(1 2 3); e[-1]=30; echo "${e[@]} last=${e[-1]}"
readarray -t f <<< $'l1\nl2\nl3'
echo "${f[1]} ${#f[@]}"
declare -p c
