# getopts, positional parameters, shift, "$@" vs "$*", set --.
parse() {
    local OPTIND opt
    while getopts ":ab:c" opt; do
        case $opt in
            a) echo "flag a" ;;
            b) echo "b=$OPTARG" ;;
            c) echo "flag c" ;;
            :) echo "missing arg for -$OPTARG" ;;
            \?) echo "unknown -$OPTARG" ;;
        esac
    done
    shift $((OPTIND - 1))
    echo "rest: $*"
}
parse -a -b val -c file1 file2
parse -ab inline -x
parse -b
set -- "a b" c "" d
echo "$# args"
for x in "$@"; do printf '<%s>' "$x"; done; echo
for x in "$*"; do printf '<%s>' "$x"; done; echo
for x in $*; do printf '<%s>' "$x"; done; echo
IFS=-; echo "$*"; IFS=$' \t\n'
shift 2; echo "after shift: $# first=[$1]"
shift 5 || echo "shift too far rc=$?"
set --; echo "cleared: $#"
echo "${@:-none}"
