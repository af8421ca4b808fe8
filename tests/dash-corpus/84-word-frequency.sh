# Word frequencies of a small text, the classic pipeline.
text="the quick brown fox jumps over the lazy dog the fox"
for w in $text; do echo "$w"; done | sort | uniq -c | sort -rn | head -n 3
echo "$text" | tr ' ' '\n' | grep -c the
echo "$text" | tr a-z A-Z | cut -c1-9
