# $(( )) and (( )): operators, bases, assignment ops, ternary, comparisons, exit status.
echo $(( 1 + 2 * 3 )) $(( (1 + 2) * 3 )) $(( 2 ** 16 )) $(( -7 / 2 )) $(( -7 % 3 ))
echo $(( 0xff )) $(( 017 )) $(( 2#1011 )) $(( 36#zz )) $(( 64#_ ))
echo $(( 5 > 3 )) $(( 5 == 3 )) $(( !0 )) $(( ~5 )) $(( 6 & 3 )) $(( 6 | 3 )) $(( 6 ^ 3 )) $(( 1 << 10 )) $(( -16 >> 2 ))
x=5; (( x += 3, x *= 2 )); echo "x=$x"
(( y = x > 10 ? 100 : 200 )); echo "y=$y"
i=3; echo $(( i++ )) $(( i )) $(( ++i )) $(( i-- )) $i
(( 0 )); echo "rc0=$?"; (( 7 )); echo "rc7=$?"
a=(4 5 6); echo $(( a[0] + a[2] ))
echo $(( 9223372036854775807 + 1 ))
v=7; echo $(( v * v )) $(( $v + 1 ))
echo $(( 10 / 3 )) $(( 10 % 3 )) $(( 1 && 0 )) $(( 1 || 0 ))
let "z = 2 ** 5" "w = z / 4"; echo "$z $w"
str=12; echo $(( str + 1 ))
echo $(( 1 / 0 )) 2>&1
echo "after"
declare -i iv=3; iv+=4; echo "iv=$iv"
iv="2 * 8"; echo "iv=$iv"
