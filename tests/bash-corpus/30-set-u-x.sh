# set -u and set -x (xtrace goes to stderr, PS4), set -v, nounset in arrays.
set -x
a=1
echo "traced $a"
f() { local b=2; echo "$b"; }
f
set +x
PS4='+trace: '; set -x; echo custom-ps4; set +x
set -u
arr=(); echo "${arr[@]+empty-ok}"
echo "${unset_var-default with -u}"
(echo "$really_unset") 2>&1 || echo "unbound rc=$?"
set +u
set -v
echo verbose-line
set +v
echo end
