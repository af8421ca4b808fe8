sh_exit() { (exit $1); echo "code $?"; }
sh_exit 0; sh_exit 1; sh_exit 42; sh_exit 255
