# printf: formats, -v into variables and array elements, %q, %b, reuse of the format.
printf '%s|%5s|%-5s|%.2s\n' abc abc abc abc
printf '%d %05d %x %X %o %e %.3f %g\n' 42 42 255 255 8 12345.678 3.14159 0.0001
printf '%s=%s\n' a 1 b 2 c
printf -v out '%03d-%s' 7 seven; echo "$out"
declare -a slots; printf -v 'slots[2]' '%s' two; echo "${slots[2]} ${#slots[@]}"
printf '%q\n' "a b" 'it'"'"'s' $'tab\there'
printf '%b\n' 'one\ttwo\nthree'
printf '%c%c\n' hello world
printf '[%*d]\n' 6 42
printf '%(%Y)T\n' 0 | tr '0-9' 'N'
printf -v sum '%d' $((3 + 4)); echo "sum=$sum"
printf '%s\n' "${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"
printf '%d\n' notanumber 2>&1; echo "rc=$?"
printf '%%literal %s\n' done
