# The pattern of ${x%pat} / ${x#pat} has its own quoting: the double quotes around the
# whole expansion do not make it literal, quotes inside it do.
f=/tmp/wk97/report.txt
echo "${f%/*}" "${f##*/}" "${f#*[/]}" "${f%.*}"
x=abc p='*c'
echo "${x%$p}" "${x%"$p"}" "${x%\*c}" "${x%'*c'}"
echo ${f%/*} "${f%%/*}|" "${x#"a"}" "${x##a*}|"
y='a*b*c'
echo "${y#*\*}" "${y%'*'*}" "${y%"*c"}"
