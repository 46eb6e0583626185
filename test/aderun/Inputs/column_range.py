"""column_range.py METRICS.csv COLUMN LO HI: checks that COLUMN is NaN in
the untrained row 0 and strictly between LO and HI in every other row;
prints its range."""
import csv
import math
import sys

path, column, lo, hi = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
with open(path) as f:
    rows = list(csv.DictReader(f))
if column not in rows[0]:
    sys.exit("%s has no column %r" % (path, column))
values = [float(r[column]) for r in rows[1:]]
if not math.isnan(float(rows[0][column])):
    sys.exit("row 0 of %r is %s, not nan" % (column, rows[0][column]))
if not values or not all(lo < v < hi for v in values):
    sys.exit("%r outside (%g, %g): %s" % (column, lo, hi, values))
print("%s in [%.3f, %.3f] over %d rows" % (column, min(values), max(values), len(values)))
