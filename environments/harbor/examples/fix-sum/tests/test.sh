#!/bin/bash
# Reward from the exit status of the checks (reward.txt written on every path).
cd /app
if python3 -c "
from calc import total
assert total([1, 2, 3]) == 6
assert total([]) == 0
assert total([-4.5, 4.5, 10]) == 10
"; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
