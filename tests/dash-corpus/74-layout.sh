a=5
b=$((a*a))
c=$(( b > 20 ? 1 : 0 ))
echo $a $b $c
echo ${undefined:-}X
var=; echo "${var:-empty}" "${var-set-but-empty}"
echo $# $@
cat /dev/null | cat
test -z "$(cat /dev/null)" && echo empty-out
for i in 1 2 3
do
  if [ $i -eq 2 ]
  then
    continue
  fi
  echo $i
done
f()
{
  echo brace-on-next-line
}
f
echo 'a'\''b'
