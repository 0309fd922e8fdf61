#!/bin/bash
# Harbor's JSON reward file; the expected count is 21 (counted by hand from poem.txt).
if [ "$(tr -d ' \n' < /app/count.txt 2>/dev/null)" = "21" ]; then
  echo '{"reward": 1.0}' > /logs/verifier/reward.json
else
  echo '{"reward": 0.0}' > /logs/verifier/reward.json
fi
