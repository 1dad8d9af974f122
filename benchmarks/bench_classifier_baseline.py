"""Our keyword rules next to TF-IDF + LinearSVC on the same held-out split, in one run.

    python benchmarks/bench_classifier_baseline.py [--data PATH] [--rules FILE]
    python benchmarks/bench_classifier_baseline.py --cv [--data PATH]

Split (nlp.data): a row is held out when int(md5(text).hexdigest(), 16) % 5 == 0. Both
models learn from the other rows in this run: the rules exactly as the shipped city.toml is
made (`learn` with the curated seed nlp/rules/curated/city.toml), the SVM (scikit-learn, a
test-only dependency) with the same jieba segmentation (sublinear TF-IDF, C=1); both are
scored by nlp.evaluate's metrics. The shipped city.toml itself learned from all rows, the
held-out ones included, so it is not scored here; --rules scores a given file instead (learn
it with --split train for a fair comparison).

--cv never reads the held-out rows: for each of the folds 1..4 of the train rows (the same
md5 % 5), `learn` (default settings, the curated seed) and the SVM are trained on the other
three folds and scored on it. This is how learn's settings were chosen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "petitions-teddy2020" / "train.csv"
SEED = REPO / "nlp" / "rules" / "curated" / "city.toml"

sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with text,label")
    parser.add_argument("--rules", help="score this rules file instead of learning one")
    parser.add_argument("--cv", action="store_true",
                        help="cross-validate learn on folds 1-4 of the train rows instead")
    args = parser.parse_args(argv)

    from nlp import Analyzer, evaluate, learn
    from nlp.data import read_labelled_csv, split_rows
    from nlp.evaluate import score_predictions

    train, test = split_rows(read_labelled_csv(args.data))
    if args.cv:
        return _cross_validate(train)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        rules = args.rules
        if rules is None:
            rules = Path(folder) / "city.train.toml"
            rules.write_text(learn(train, base=SEED, name="city"), encoding="utf-8")
        analyzer = Analyzer.load(rules)
    learn_seconds = time.perf_counter() - start
    start = time.perf_counter()
    ours = evaluate(analyzer, test)
    ours_seconds = time.perf_counter() - start

    start = time.perf_counter()
    predicted = _svm_predictions(analyzer, train, test)
    svm_seconds = time.perf_counter() - start
    svm = score_predictions([label for _, label in test], predicted)

    print(f"held-out split: md5(text) % 5 == 0 -> {len(test)} test rows, {len(train)} train rows")
    print(f"{'classifier':34}{'accuracy':>9}{'macro-F1':>10}{'seconds':>9}")
    name = f"rules {args.rules}" if args.rules else f"rules learned ({learn_seconds:.0f} s)"
    print(f"{name:34}{ours.accuracy:9.4f}{ours.macro_f1:10.4f}{ours_seconds:9.1f}")
    print(f"{'TF-IDF + LinearSVC (train+test)':34}{svm.accuracy:9.4f}{svm.macro_f1:10.4f}"
          f"{svm_seconds:9.1f}")
    return 0


def _cross_validate(train) -> int:
    from nlp import Analyzer, evaluate, learn
    from nlp.data import SPLIT_FOLDS, fold_of
    from nlp.evaluate import score_predictions

    print(f"{'fold':6}{'rows':>6}{'rules F1':>10}{'acc':>8}{'SVM F1':>10}{'acc':>8}{'lines':>8}")
    totals = []
    with tempfile.TemporaryDirectory() as folder:
        for fold in range(1, SPLIT_FOLDS):
            rest = [row for row in train if fold_of(row[0]) != fold]
            held = [row for row in train if fold_of(row[0]) == fold]
            path = Path(folder) / f"fold{fold}.toml"
            path.write_text(learn(rest, base=SEED, name=f"fold{fold}"), encoding="utf-8")
            analyzer = Analyzer.load(path)
            ours = evaluate(analyzer, held)
            svm = score_predictions([label for _, label in held],
                                    _svm_predictions(analyzer, rest, held))
            lines = len(path.read_text(encoding="utf-8").splitlines())
            totals.append((ours.macro_f1, ours.accuracy, svm.macro_f1, svm.accuracy))
            print(f"{fold:<6}{len(held):6}{ours.macro_f1:10.4f}{ours.accuracy:8.4f}"
                  f"{svm.macro_f1:10.4f}{svm.accuracy:8.4f}{lines:8}", flush=True)
    means = [sum(column) / len(totals) for column in zip(*totals, strict=True)]
    print(f"{'mean':6}{'':6}{means[0]:10.4f}{means[1]:8.4f}{means[2]:10.4f}{means[3]:8.4f}")
    return 0


def _svm_predictions(analyzer, train, test) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    vectorizer = TfidfVectorizer(analyzer=analyzer.segment, sublinear_tf=True)
    features = vectorizer.fit_transform([text for text, _ in train])
    model = LinearSVC(C=1.0).fit(features, [label for _, label in train])
    return list(model.predict(vectorizer.transform([text for text, _ in test])))


if __name__ == "__main__":
    raise SystemExit(main())
