true; echo $?
false; echo $?
! false; echo $?
true && echo and-ok
false || echo or-ok
false && echo never; echo after
