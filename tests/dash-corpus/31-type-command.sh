command -v echo
type cd | head -n 1
command true && echo command-true
