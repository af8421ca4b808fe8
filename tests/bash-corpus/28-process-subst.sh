# Process substitution <( ) and >( ): read from commands, diff two outputs, write into one.
while read -r l; do echo "ps: $l"; done < <(printf '%s\n' one two)
cat <(echo from-left) <(echo from-right)
mapfile -t sorted < <(printf '%s\n' z x y | sort); echo "${sorted[*]}"
echo to-writer > >(tr a-z A-Z); wait $!
diff <(echo same) <(echo same) && echo "no differences"
