"""``python -m benchmarks``: run the benchmark suite."""

import sys

from benchmarks import main

sys.exit(main())
