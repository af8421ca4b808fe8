# Pathname expansion: *, ?, [...], nullglob, failglob-free default, dotglob, globstar, extglob.
d="$HOME/globdir"; mkdir -p "$d/sub/deep"; cd "$d" || exit 1
touch a.txt b.txt c.log .hidden sub/x.txt sub/deep/y.txt
echo *.txt
echo ?.log
echo [ab].*
echo *.none
shopt -s nullglob; echo "nullglob:[" *.none "]"; shopt -u nullglob
echo *
shopt -s dotglob; echo *; shopt -u dotglob
shopt -s globstar; echo **/*.txt; shopt -u globstar
shopt -s extglob; echo !(*.txt); shopt -u extglob
files=(*.txt); echo "${#files[@]} files"
echo "quoted: '*.txt'" "*.txt"
for f in sub/*; do [[ -d $f ]] && echo "dir $f"; [[ -f $f ]] && echo "file $f"; done
set -f; echo *.txt; set +f
GLOBIGNORE='a*'; echo *.txt; unset GLOBIGNORE
