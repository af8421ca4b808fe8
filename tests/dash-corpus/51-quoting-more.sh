x='a  b'
echo $x "$x" '$x' "'$x'" '"$x"'
echo "a\\b" 'a\\b' a\\b
echo "\$HOME \`cmd\` \"q\""
echo 'multi
line'
echo "dq with
newline"
echo \a\b\c
empty=""; set -- $empty "$empty" ''; echo $#
echo ''"''"''
echo "${x}"'${x}'
echo a'b'"c"\d
echo "semi;colon" 'pipe|amp&' "less<more>" paren\(\)
echo "#not comment" x#y
