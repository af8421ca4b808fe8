unset u; e=; v=value
echo "${u-unset} ${e-empty-is-set} [${e:-null}] ${v:-x}"
echo "[${u+alt}] [${e+alt-e}] [${e:+alt-e2}] ${v:+alt-v}"
echo "${u:=assigned} $u"
f=archive.tar.gz
echo ${f%.gz} ${f%%.*} ${f#*.} ${f##*.}
p=/a/b/c
echo ${p#/} ${p##*/} ${p%/*} ${#p} ${#u}
s='a*b'
echo ${s#a\*} "${s%'*b'}" ${s#"a*"}
w="two words"; set -- ${w:+$w}; echo $#
set -- "${w:+$w}"; echo $#
echo ${nope:-"quoted default"} ${nope:-unquoted   spread}
( : ${undef?custom message} ); echo "status $?"
( : ${undef2:?} ); echo "status $?"
