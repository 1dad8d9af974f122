"""Classification throughput next to plain jieba.lcut on the same texts, and cold start.

    python benchmarks/bench_nlp.py [--data PATH] [--rules city] [--repeat 5]

Cold start is measured in a fresh interpreter (import nlp + Analyzer.load), so jieba's
dictionary load is included, as it is when the bot starts. The budget: classify() may cost
at most 25% more than jieba.lcut alone. Analyzer.segment (our own tokenizer with the domain
dictionary, run once per message by classify) is shown too. The four functions take turns on
each message and each call is timed alone, so that a machine whose speed drifts during the run
(shared CI hosts do) does not decide the ratios.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "petitions-teddy2020" / "train.csv"
BUDGET = 1.25

sys.path.insert(0, str(REPO))

COLD_START = """
import time
start = time.perf_counter()
from nlp import Analyzer
Analyzer.load({rules!r})
print(time.perf_counter() - start)
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with a text column")
    parser.add_argument("--rules", default="city", help="rules file or builtin name")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes (their mean is shown)")
    args = parser.parse_args(argv)

    import jieba

    from nlp import Analyzer
    from nlp.data import read_labelled_csv

    texts = [text for text, _ in read_labelled_csv(args.data)]
    chars = sum(map(len, texts))
    cold = _cold_start(args.rules)
    analyzer = Analyzer.load(args.rules)
    jieba.setLogLevel(60)
    jieba.initialize()
    analyzer.classify(texts[0])  # warm both before timing
    jieba.lcut(texts[0])

    rows = _paired(
        {
            "jieba.lcut": jieba.lcut,
            "Analyzer.segment": analyzer.segment,
            "Analyzer.classify": analyzer.classify,
            "Analyzer.analyse": analyzer.analyse,
            "Analyzer.urgency": analyzer.urgency,
        },
        texts,
        args.repeat,
    )
    base = rows[0][1]
    print(f"{len(texts)} messages, {chars} characters, rules={args.rules},"
          f" mean of {args.repeat} passes, calls paired per message")
    print(f"{'':20}{'seconds':>9}{'msg/s':>10}{'chars/s':>12}{'vs lcut':>9}")
    for name, seconds in rows:
        print(f"{name:20}{seconds:9.2f}{len(texts) / seconds:10.0f}{chars / seconds:12.0f}"
              f"{seconds / base:9.2f}")
    print(f"cold start (import + Analyzer.load, fresh process): {cold:.2f} s")
    for name, seconds in rows[2:4]:
        ratio = seconds / base
        verdict = "within" if ratio <= BUDGET else "OVER"
        print(f"{name} / jieba.lcut = {ratio:.2f} ({verdict} the {BUDGET:.2f} budget);"
              f" / Analyzer.segment = {seconds / rows[1][1]:.2f}")
    return 0


def _paired(runs: dict, texts: list[str], repeat: int) -> list[tuple[str, float]]:
    """Seconds each function spent on all texts in one pass (the mean of `repeat` passes).

    The functions take turns on each message, in an order that rotates from one message to
    the next, and each call is timed alone: a machine that slows down or speeds up during a
    pass (a shared CI host does) then weighs on all of them alike, and no function always
    runs on caches another one warmed.
    """
    names = list(runs)
    functions = [runs[name] for name in names]
    clock = time.perf_counter
    spent = [0.0] * len(names)
    for _ in range(repeat):
        for position, text in enumerate(texts):
            for turn in range(len(names)):
                index = (position + turn) % len(names)
                start = clock()
                functions[index](text)
                spent[index] += clock() - start
    return [(name, total / repeat) for name, total in zip(names, spent, strict=True)]


def _cold_start(rules: str) -> float:
    code = COLD_START.format(rules=rules)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    raise SystemExit(main())
