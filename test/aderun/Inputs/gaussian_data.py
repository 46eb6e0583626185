"""5000 draws of N((1, -1), diag(0.5, 2)^2) as CSV with a header row."""
import random

random.seed(0)
print("a,b")
for _ in range(5000):
    print("%.6f,%.6f" % (1 + 0.5 * random.gauss(0, 1), -1 + 2 * random.gauss(0, 1)))
