printf '%s\n' hello
printf '%s-%s\n' a b c d
printf '%5s|%-5s|%.2s\n' ab cd xyz
printf '%d %i %05d %x %X %o\n' 42 -7 42 255 255 8
printf '%c%c\n' hello world
printf '%b\n' 'tab\there'
printf 'percent %% done\n'
printf '%3d|%-3d|\n' 5 5
printf 'no args: [%s] [%d]\n'
printf '\101\102\n'
printf '%s\n' "multiple words stay" one
printf '%.2f %e %g %g\n' 3.14159 1234.5 0.0001 100
printf '%.1f %.1f %.2f %5.1f|\n' 0.25 0.35 2.675 -0.05
