# Parameter expansion: case, substitution, trimming, substrings, defaults, indirection.
s="Hello, Wonderful World"
echo "${s^^} | ${s,,} | ${s^} | ${s,} | ${s~~}"
echo "${s//o/0} | ${s/o/0} | ${s/#Hello/Bye} | ${s/%World/Earth} | ${s//[aeiou]/}"
p=/usr/local/lib/libfoo.so.1.2
echo "${p##*/} ${p#*/} ${p%/*} ${p%%.*} ${p%.*}"
echo "${s:7} | ${s:7:9} | ${s: -5} | ${s: -5:2} | ${#s}"
unset u; e=""
echo "[${u:-def}] [${e:-def}] [${e-def}] [${u-def}] [${s:+alt}] [${u:+alt}]"
echo "${u:=assigned} $u"
name=s; echo "${!name}"
arr=(one two three four)
echo "${arr[@]^} | ${arr[@]/o/O} | ${arr[@]:1:2} | ${#arr[1]} | ${arr[@]#t}"
v=abcABC; echo "${v^^[ab]} ${v,,[BC]}"
echo "${s@Q}"
x='a b'; echo "${x@Q} ${x@U} ${x@L}"
pre_one=1 pre_two=2; echo "${!pre_@}"
(: "${must:?is required}") 2>&1 | sed 's/^.*: line/line/'
n=0012; echo "${n#"${n%%[!0]*}"}"
path=a:b:c; echo "${path//:/ }"
f=file.tar.gz; echo "${f%.gz}" "${f%%.*}" "${f#*.}"
t="  trim me  "; t="${t#"${t%%[![:space:]]*}"}"; t="${t%"${t##*[![:space:]]}"}"; echo "[$t]"
