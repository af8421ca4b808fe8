set -- one two three four
echo $# $1 $4
shift 2; echo $# "$@"
echo "$*"
