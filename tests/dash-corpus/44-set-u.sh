set -u
x=1; echo "$x ${y:-default} ${y-dash}"
echo ${#x}
: "${z=assigned}"; echo $z
echo "args: $# [$*]"
echo before
echo "$undefined_thing"
echo not-reached
