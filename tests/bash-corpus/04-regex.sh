# [[ =~ ]]: BASH_REMATCH, anchors, alternation, quoted parts literal, failing match.
re='^([a-z]+)-([0-9]+)\.(txt|log)$'
for f in report-12.txt data-7.log bad.csv; do
    if [[ $f =~ $re ]]; then
        echo "$f: name=${BASH_REMATCH[1]} n=${BASH_REMATCH[2]} ext=${BASH_REMATCH[3]} all=${BASH_REMATCH[0]}"
    else
        echo "$f: no match (${#BASH_REMATCH[@]})"
    fi
done
[[ 'a.c' =~ a"."c ]] && echo quoted-dot-literal
[[ 'abc' =~ a"."c ]] || echo quoted-dot-no-match
[[ 'key = value' =~ ^([^=]+)[[:space:]]*=[[:space:]]*(.*)$ ]] && echo "k='${BASH_REMATCH[1]}' v='${BASH_REMATCH[2]}'"
ip=192.168.1.20
[[ $ip =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] && echo "octets ${BASH_REMATCH[*]:1}"
[[ x =~ "(" ]] || echo paren-literal-no
[[ '(' =~ "(" ]] && echo paren-literal-yes
