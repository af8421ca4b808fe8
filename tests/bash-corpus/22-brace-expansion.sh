# Brace expansion: lists, ranges with steps and padding, letters, nesting, prefix/suffix.
echo {a,b,c}
echo pre-{x,y}-post
echo {1..5} {5..1} {0..10..3} {01..10..4} {a..e} {e..a..2}
echo {a,b}{1,2}
echo {x,{y,z}}w
echo "{not,expanded}" '{a,b}'
echo {single}
echo file.{txt,log,}
v=3; echo {1..$v}
mkdir -p "$HOME/br"/{one,two}/{a,b}; (cd "$HOME/br" && echo */*)
echo {-3..3}
