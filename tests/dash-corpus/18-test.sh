[ -d /tmp ] && echo dir
[ -f /tmp ] || echo notfile
[ abc = abc ] && echo eq
[ 3 -gt 2 ] && [ -n "x" ] && [ -z "" ] && echo all
test 1 -eq 2; echo $?
