"""Peak memory and time of the XLSX writer for N rows: it must stay flat in N.

    python benchmarks/xlsx_memory.py 1000 100000

Each size runs in its own process (peak RSS only grows), over a generator of
synthetic sentences, so only the writer's own memory counts.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(rows: int) -> None:
    """Write ``rows`` sentences to a temporary XLSX; print the time and peak RSS."""
    from translate.formats import xlsx
    from translate.signature import Signature
    from translate.types import Sentence

    sentences = (
        Sentence(
            "d.txt",
            i,
            0,
            0,
            10,
            f"Πρόταση αριθμός {i} με αρκετές λέξεις μέσα της. " * 3,
            translation=f"Sentence number {i} with a fair number of words. " * 3,
            flags=("low_score",) if i % 7 == 0 else (),
        )
        for i in range(rows)
    )
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as folder,
        open(Path(folder) / "x.xlsx", "w", encoding="utf-8") as stream,
    ):
        xlsx.write(sentences, [stream], Signature((("el2en", "bench"),)))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{rows:>9,} rows: {seconds:6.1f} s, {rows / seconds:7,.0f} rows/s, peak RSS {peak:.0f} MB"
    )


def main() -> None:
    """Run each size given on the command line in a fresh process."""
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        one(int(sys.argv[2]))
        return
    for size in sys.argv[1:] or ["1000", "100000"]:
        subprocess.run([sys.executable, __file__, "--one", size], check=True)


if __name__ == "__main__":
    main()
