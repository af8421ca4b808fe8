trap 'echo trapped $?; exit 9' EXIT
false
