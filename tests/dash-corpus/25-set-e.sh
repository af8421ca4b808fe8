( set -e; echo before; false; echo not-reached ); echo "sub status $?"
( set -u; echo "${undefined_var:-fine}" )
