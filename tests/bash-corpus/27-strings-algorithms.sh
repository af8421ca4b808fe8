# Small programs: bubble sort on an array, word counts, string reversal, primes, join.
arr=(5 3 9 1 7 2 8)
n=${#arr[@]}
for ((i = 0; i < n; i++)); do
    for ((j = 0; j < n - i - 1; j++)); do
        if (( arr[j] > arr[j+1] )); then t=${arr[j]}; arr[j]=${arr[j+1]}; arr[j+1]=$t; fi
    done
done
echo "sorted: ${arr[*]}"
rev() { local s=$1 r=; for ((k = ${#s} - 1; k >= 0; k--)); do r+=${s:k:1}; done; echo "$r"; }
rev "stressed"
primes=(); for ((p = 2; p < 40; p++)); do
    isp=1; for q in "${primes[@]}"; do (( q * q > p )) && break; (( p % q == 0 )) && { isp=0; break; }; done
    (( isp )) && primes+=("$p")
done
echo "primes: ${primes[*]}"
join() { local IFS=$1; shift; echo "$*"; }
join , a b c
declare -A wc; text="the cat and the hat and the bat"
for w in $text; do (( wc[$w]++ )); done
for w in the and cat; do echo "$w ${wc[$w]}"; done
s=""; for i in {1..5}; do s+="$i,"; done; echo "${s%,}"
up() { echo "${1^}"; }; for w in alpha beta; do up "$w"; done
hex=$(printf '%02x' 10 11 255); echo "$hex"
collatz() { local n=$1 c=0; while ((n != 1)); do ((n % 2)) && n=$((3*n+1)) || n=$((n/2)); ((c++)); done; echo "$c"; }
collatz 27
