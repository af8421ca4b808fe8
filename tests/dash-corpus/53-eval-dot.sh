eval 'a=1; b=2'; echo $a $b
eval "echo \$a"
cmd='for i in x y; do echo $i; done'; eval "$cmd"
eval 'f() { echo "from eval"; }'; f
echo 'sourced=yes; echo "in sourced file"' > /tmp/wk53.sh
. /tmp/wk53.sh; echo "sourced=$sourced"
rm /tmp/wk53.sh
eval false; echo "eval status $?"
eval; echo "empty eval $?"
eval echo one\; echo two
