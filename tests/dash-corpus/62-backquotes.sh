a=`echo hello`; echo $a
echo `echo \`echo nested\``
echo "`echo quoted   spaces`"
echo `echo '$HOME'`
echo `for i in 1 2 3; do echo -n $i; done`
x=5; echo "`echo $x`"
echo `echo "a  b"` "`echo "a  b"`"
