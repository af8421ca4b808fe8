echo start
if true; then
  echo in
