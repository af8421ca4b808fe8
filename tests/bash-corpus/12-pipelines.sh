# Pipelines: builtins and external programs, PIPESTATUS, pipefail, ! negation, |&.
echo "c b a" | tr ' ' '\n' | sort | tr '\n' ' '; echo
printf '%s\n' 3 1 2 | sort -n | while read -r n; do echo "n=$n"; done
true | false | true; echo "PIPESTATUS=${PIPESTATUS[*]}"
false | true; echo "rc=$?"
set -o pipefail; false | true; echo "pipefail rc=$?"; set +o pipefail
! false; echo "negated=$?"
! true; echo "negated=$?"
{ echo out; echo err >&2; } |& cat
echo hello | { read -r w; echo "got $w"; }
x=unchanged; echo changed | read -r x; echo "x=$x"
shopt -s lastpipe; set +m; echo changed | read -r x; echo "lastpipe x=$x"
seq 1 5 | head -n 2
yes_like() { local i=0; while ((i < 1000)); do echo y; ((i++)); done; }
yes_like | head -n 1
echo abc | cat | cat | cat
