name=world
cat <<END
hello $name
  indented $((1+1))
END
cat <<'RAW'
no $expansion here
RAW
