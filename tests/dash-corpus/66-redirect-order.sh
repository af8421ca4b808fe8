{ echo out; echo err >&2; } > /tmp/wk66 2>&1; cat /tmp/wk66
{ echo out; echo err >&2; } 2>&1 > /tmp/wk66; echo "---"; cat /tmp/wk66
echo append >> /tmp/wk66; cat /tmp/wk66
: > /tmp/wk66; wc -c < /tmp/wk66
echo clobber >| /tmp/wk66; cat /tmp/wk66
cat 0< /tmp/wk66
exec 8>&1; echo "via dup" >&8; exec 8>&-
echo vanish >/dev/null; echo kept
rm /tmp/wk66
