"""Compare two runs' metrics leaf by leaf, ignoring provenance and timings: did a change move any number?

    python tools/compare_metrics.py BEFORE/artifacts/quick/metrics AFTER/artifacts/quick/metrics

Prints every differing leaf (path, before -> after) and a count; wall times, throughputs (img/s) and seconds are
counted apart, since they differ between any two runs.
"""

import json
import sys
from pathlib import Path

IGNORED = {"wall_time_s", "code_version", "git_commit", "finished", "packages", "hardware", "allow_dirty"}
TIMING = ("seconds", "per_s", "img/s", "wall")


def leaves(x, path=()):
    if isinstance(x, dict):
        for k, v in x.items():
            if k in IGNORED:
                continue
            yield from leaves(v, path + (str(k),))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from leaves(v, path + (str(i),))
    else:
        yield path, x


def main(a_dir: Path, b_dir: Path) -> int:
    """Print the differing leaves and a summary; 1 when a number other than a timing differs, else 0."""
    total = diff = timing = 0
    for a in sorted(a_dir.glob("*.json")):
        b = b_dir / a.name
        la, lb = dict(leaves(json.loads(a.read_text()))), dict(leaves(json.loads(b.read_text())))
        for k in sorted(set(la) | set(lb), key=str):
            total += 1
            if la.get(k, "<missing>") != lb.get(k, "<missing>"):
                if any(t in "/".join(k) for t in TIMING):
                    timing += 1
                    continue
                diff += 1
                print(a.name, "/".join(k), la.get(k, "<missing>"), "->", lb.get(k, "<missing>"))
    print(f"{total} leaves compared; {diff} differ (besides {timing} timings)")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
