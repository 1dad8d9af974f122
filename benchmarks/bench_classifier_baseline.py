"""Our keyword rules next to TF-IDF + LinearSVC on the same held-out split, in one run.

    python benchmarks/bench_classifier_baseline.py [--data PATH] [--rules city]

Split (nlp.data): a row is held out when int(md5(text).hexdigest(), 16) % 5 == 0. The SVM
(scikit-learn, a test-only dependency) is trained on the other rows with the same jieba
segmentation (sublinear TF-IDF, C=1); both are scored by nlp.evaluate's metrics. The rules
are used as shipped: for a fair comparison they must have been learned with --split train.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "petitions-teddy2020" / "train.csv"

sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CSV with text,label")
    parser.add_argument("--rules", default="city", help="rules file or builtin name")
    args = parser.parse_args(argv)

    from nlp import Analyzer, evaluate
    from nlp.data import read_labelled_csv, split_rows
    from nlp.evaluate import score_predictions

    train, test = split_rows(read_labelled_csv(args.data))
    analyzer = Analyzer.load(args.rules)
    start = time.perf_counter()
    ours = evaluate(analyzer, test)
    ours_seconds = time.perf_counter() - start

    start = time.perf_counter()
    predicted = _svm_predictions(analyzer, train, test)
    svm_seconds = time.perf_counter() - start
    svm = score_predictions([label for _, label in test], predicted)

    print(f"held-out split: md5(text) % 5 == 0 -> {len(test)} test rows, {len(train)} train rows")
    print(f"{'classifier':34}{'accuracy':>9}{'macro-F1':>10}{'seconds':>9}")
    print(f"{'rules ' + args.rules:34}{ours.accuracy:9.4f}{ours.macro_f1:10.4f}{ours_seconds:9.1f}")
    print(f"{'TF-IDF + LinearSVC (train+test)':34}{svm.accuracy:9.4f}{svm.macro_f1:10.4f}"
          f"{svm_seconds:9.1f}")
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
