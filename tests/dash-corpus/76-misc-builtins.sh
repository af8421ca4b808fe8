printf "%s\n" "whole line"; echo then
echo -e "x\ty"
trap 'echo t' EXIT INT; trap
pwd >/dev/null && echo pwd-ok
cd /tmp && cd / && cd - && cd /
type cd pwd
false; echo $?; ! false; echo $?
true && { false || echo recovered; }
