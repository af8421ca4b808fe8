trap 'echo exit-trap' EXIT
exec nosuch_prog_xyz
echo not-reached
