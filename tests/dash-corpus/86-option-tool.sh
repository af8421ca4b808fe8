# Options, usage and functions like a real tool.
usage() { echo "usage: tool [-v] [-n N] file..." >&2; return 2; }
verbose=0 n=1
tool() {
  OPTIND=1
  while getopts vn: opt; do
    case $opt in
      v) verbose=1;;
      n) n=$OPTARG;;
      *) usage; return;;
    esac
  done
  shift $((OPTIND - 1))
  [ $# -gt 0 ] || { usage; return; }
  for f; do
    [ "$verbose" = 1 ] && echo "processing $f"
    i=0; while [ $i -lt "$n" ]; do echo "$f#$i"; i=$((i + 1)); done
  done
}
tool -v -n 2 a b; echo "status $?"
tool; echo "status $?"
tool -x 2>&1; echo "status $?"
