cmd='echo evaluated $((2+3))'
eval "$cmd"
var=name; eval "$var=assigned"; echo $name
