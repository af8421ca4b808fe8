set -- -a -b val rest
while getopts ab: opt; do echo "opt $opt ${OPTARG:-}"; done
shift $((OPTIND-1)); echo "left: $*"
