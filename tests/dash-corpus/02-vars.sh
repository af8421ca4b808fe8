a=1 b="two words"
echo "$a $b" ${#b}
unset a; echo "[${a:-default}] [${a:=set}] [$a]"
x=/usr/local/lib.tar.gz
echo ${x#*/} ${x##*/} ${x%.*} ${x%%.*}
