a='single $quote'
b="double \$escaped \"q\" $a"
echo "$b"
echo 'it'\''s'
echo "tab	kept" | cat
