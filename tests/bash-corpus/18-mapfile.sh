# mapfile / readarray: -t, -n, -s, -O, from a here-string, a process's output, a file.
mapfile -t lines <<< $'alpha\nbeta\ngamma\ndelta'
echo "${#lines[@]}: ${lines[*]}"
mapfile -t -n 2 first <<< $'1\n2\n3'; echo "${first[*]}"
mapfile -t -s 1 skip <<< $'1\n2\n3'; echo "${skip[*]}"
mapfile -t -O 5 off <<< $'x\ny'; echo "${!off[*]}"
mapfile keep <<< $'nl1\nnl2'; printf '[%s]' "${keep[@]}"; echo
mapfile -t from_cmd <<< "$(printf '%s\n' c a b | sort)"
echo "${from_cmd[*]}"
printf 'f1\nf2\n' > "$HOME/mapfile.txt"
readarray -t fromfile < "$HOME/mapfile.txt"; echo "${fromfile[1]}"
mapfile -t -d , csv <<< "a,b,c"; echo "${#csv[@]} [${csv[2]}]"
