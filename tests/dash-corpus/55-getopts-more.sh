parse() {
  OPTIND=1
  while getopts "ab:c" o "$@"; do
    case $o in
      a) echo a;;
      b) echo "b=$OPTARG";;
      c) echo c;;
      ?) echo bad;;
    esac
  done
  shift $((OPTIND-1)); echo "rest: $*"
}
parse -a -b val file1
parse -ac -bX -- -notopt
parse -z x
parse plain -a
