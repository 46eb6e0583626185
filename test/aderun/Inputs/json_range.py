"""json_range.py KEY LO HI: checks that KEY of the JSON object on stdin is
strictly between LO and HI; prints it."""
import json
import sys

key, lo, hi = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
value = json.load(sys.stdin)[key]
if not lo < value < hi:
    sys.exit("%s = %g outside (%g, %g)" % (key, value, lo, hi))
print("%s = %g" % (key, value))
