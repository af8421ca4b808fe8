cd /tmp && pwd
mkdir -p /tmp/sub && cd sub && pwd
cd .. && rmdir /tmp/sub && pwd
cd / ; echo $PWD
