# declare/local/readonly/export: attributes, dynamic scope, -i -u -l, -n namerefs, -g.
declare -u up=hello; echo "$up"
declare -l low=HELLO; echo "$low"
declare -i n=5*3; echo "$n"
declare -r ro=fixed; (ro=changed) 2>/dev/null || echo "readonly kept: $ro"
x=1
outer() { local x=2; inner; echo "outer sees $x"; }
inner() { echo "inner sees $x"; x=3; }
outer; echo "global x=$x"
setg() { declare -g gv=global-from-func; local lv=local; }
setg; echo "gv=$gv lv=${lv-unset}"
target=original
ref() { declare -n r=$1; r=through-nameref; }
ref target; echo "target=$target"
declare -A h=([k]=v); declare -n hr=h; echo "${hr[k]}"
export EXPORTED=yes; bash -c 'echo "child sees ${EXPORTED:-nothing}"'
NOTEXPORTED=no; bash -c 'echo "child sees ${NOTEXPORTED:-nothing}"'
ONE_SHOT=temp bash -c 'echo "prefix assignment: $ONE_SHOT"'; echo "after: ${ONE_SHOT-unset}"
declare -p up n ro
f() { local -; set -u; echo "set -u only in f"; }; f; echo "${undefined-ok-outside}"
unset x; echo "x=${x-unset}"
