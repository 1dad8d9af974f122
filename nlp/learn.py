"""Mine keywords and weights from labelled text and write an ordinary rules file.

How: every message is segmented exactly as the Analyzer does it. Its content words (title
words counted 1 + `title_weight` times) and its pairs of neighbouring content words ("教师 对调")
seen in at least `min_df` messages become features (1 + ln count) * idf, divided by the
message's length factor; a one-vs-rest linear SVM (class-balanced) is trained. Each feature's
weights are centred across categories and turned into file weights (weight * idf: what the
word adds at run time); features whose file weight reaches `min_weight` in some category are
kept and the SVM retrained on them alone, which makes up for most of what the dropped ones
carried. Each category then keeps its file weights of at least `min_weight`: positive ones as
keywords, negative ones as negative words; the SVM bias becomes the category's prior, and
`scale` is fitted so that softmax(scale * score) is a calibrated confidence on rows the model
did not see.
"""

from __future__ import annotations

import hashlib
import math
import statistics
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from nlp._svm import LinearModel, SparseRow, train_ovr
from nlp.rules import PAIR_SEPARATOR, CategoryRules, RuleSet, load_rules, resolve_rules_path
from nlp.rules_writer import dump_rules
from nlp.segment import (
    DEFAULT_USERDICT,
    content_tokens,
    is_han,
    stopwords,
    title_words,
    tokenizer,
)

# Chosen by cross-validation on the training rows of the city data (docs/nlp.md).
MIN_WEIGHT = 0.3
COST = 0.5
TITLE_WEIGHT = 2.0
# A single character right before one of these is a surname ("胡厅长", "张老师"): it is
# learned only in word pairs ("胡 厅长"), never as a lone keyword "胡".
TITLES = frozenset((
    "书记", "省长", "市长", "县长", "区长", "镇长", "乡长", "村长", "厅长", "局长", "处长",
    "科长", "部长", "主任", "主席", "院长", "校长", "所长", "站长", "队长", "秘书长",
    "老师", "先生", "女士", "同志", "经理", "董事长", "总",
))
CALIBRATION_FOLDS = 5
MIN_CALIBRATION_ROWS = 50


@dataclass(frozen=True)
class _Corpus:
    counts: list[Counter[str]]  # content words (title words boosted) and word pairs
    labels: list[str]
    sample_weights: list[float]
    norms: list[float]
    calibration: list[bool]  # held out when fitting the confidence scale

    def subset(self, keep: Sequence[bool]) -> _Corpus:
        def pick(values: list[Any]) -> list[Any]:
            return [v for v, k in zip(values, keep, strict=True) if k]

        return _Corpus(*(pick(getattr(self, f.name)) for f in fields(self)))


def learn(
    rows: Iterable[tuple[str, str]],
    *,
    base: Path | None = None,
    corrections: Iterable[tuple[str, str]] = (),
    correction_weight: float = 3.0,
    name: str = "learned",
    keywords: int | None = None,
    negatives: int | None = None,
    min_df: int = 3,
    cost: float = COST,
    min_weight: float = MIN_WEIGHT,
    pairs: bool = True,
    title_weight: float = TITLE_WEIGHT,
    userdict: Path | None = None,
) -> str:
    """Learn a rules file from (text, label) rows and return its TOML text.

    `corrections` are extra (text, category) rows from staff, counted `correction_weight`
    times. `keywords` / `negatives` cap the words kept per category (None: every word whose
    weight reaches `min_weight`); `pairs` adds word-pair keywords. With `base`, the result is
    that file plus what was learned: every entry of the base is kept as written (its weight
    wins), learned words it lacks are added, and its meta (fallback, normalize, scale,
    title_weight) applies; a base whose [meta] has no `scale` gets the calibrated one.
    Raises ValueError with fewer than two categories.
    """
    base_rules = load_rules(base, seed=True) if base is not None else None
    normalize = base_rules.normalize if base_rules else True
    if base_rules:
        title_weight = base_rules.title_weight
    corpus = _corpus(rows, corrections, correction_weight, normalize=normalize, pairs=pairs,
                     title_weight=title_weight, userdict=userdict,
                     ignore=_ignored_words(base) if base is not None else frozenset())
    if len(set(corpus.labels)) < 2:
        raise ValueError("learning needs labelled rows of at least two categories")
    options = _Options(keywords=keywords, negatives=negatives, min_df=min_df, cost=cost,
                       min_weight=min_weight)
    learned = replace(_learn_rules(corpus, options, normalize=normalize), name=name,
                      title_weight=title_weight)
    learned = replace(learned, scale=_calibrated_scale(corpus, options, learned))
    result = learned
    if base is not None and base_rules is not None:
        result = merge_rules(base_rules, learned)
        if not _sets_scale(base):
            result = replace(result, scale=learned.scale)  # a curated seed: calibrate it
    caps = "" if keywords is None and negatives is None else (
        f", at most {keywords or 'all'} keywords / {negatives or 'all'} negative words")
    note = (
        f"Learned by `minyuan nlp learn` from {len(corpus.labels)} labelled rows\n"
        f"(min_df={min_df}, C={cost}, min_weight={min_weight}{caps},"
        f" word pairs {'on' if pairs else 'off'}, title_weight={title_weight})."
    )
    if base is not None:
        note += f"\nMerged into {base}: its hand-written entries were kept."
    return dump_rules(result, note=note)


def _ignored_words(path: Path) -> frozenset[str]:
    """The seed's `[learn] ignore` words: never learned, alone or in a pair.

    Curators list here what the data taught by accident: estate, road and village names
    that a few residents' letters about one problem made look like evidence of a category.
    """
    with open(resolve_rules_path(path), "rb") as file:
        return frozenset(tomllib.load(file).get("learn", {}).get("ignore", ()))


def _sets_scale(path: Path) -> bool:
    with open(resolve_rules_path(path), "rb") as file:
        return "scale" in tomllib.load(file).get("meta", {})


def merge_rules(base: RuleSet, learned: RuleSet) -> RuleSet:
    """Base entries win; learned words and categories the base lacks are added."""
    learned_by_name = {c.name: c for c in learned.categories}
    merged = [_merge_category(c, learned_by_name.get(c.name)) for c in base.categories]
    merged += [c for c in learned.categories if c.name not in base.category_names]
    return replace(base, categories=tuple(merged))


def _merge_category(base: CategoryRules, learned: CategoryRules | None) -> CategoryRules:
    if learned is None:
        return base
    hand = set(base.keywords) | set(base.negative)
    return replace(
        base,
        prior=base.prior or learned.prior,
        description=base.description or learned.description,
        keywords={**{w: v for w, v in learned.keywords.items() if w not in hand}, **base.keywords},
        negative={**{w: v for w, v in learned.negative.items() if w not in hand}, **base.negative},
    )


def _corpus(
    rows: Iterable[tuple[str, str]],
    corrections: Iterable[tuple[str, str]],
    correction_weight: float,
    *,
    normalize: bool,
    pairs: bool,
    title_weight: float,
    userdict: Path | None,
    ignore: frozenset[str] = frozenset(),
) -> _Corpus:
    tok = tokenizer(userdict or DEFAULT_USERDICT)
    stop = stopwords()
    weighted = [(row, 1.0) for row in rows] + [(row, correction_weight) for row in corrections]
    counts, norms = [], []
    for (text, _), _ in weighted:
        tokens = tok.lcut(text)
        content = content_tokens(tokens, stop)
        words: Counter[str] = Counter(content)
        if title_weight:
            for word in title_words(text, tokens, stop):
                # typeshed types Counter as int-valued; a title word's boost is a float by design.
                words[word] += title_weight  # type: ignore[assignment]
        norms.append(_length_factor(words) if normalize else 1.0)
        for surname in _surnames(tokens, stop) | (ignore & words.keys()):
            del words[surname]
        if pairs:  # as the scorer sees them: neighbours among the content words
            words.update(a + PAIR_SEPARATOR + b for a, b in pairwise(content)
                         if a not in ignore and b not in ignore)
        counts.append(words)
    return _Corpus(
        counts=counts,
        labels=[label for (_, label), _ in weighted],
        sample_weights=[weight for _, weight in weighted],
        norms=norms,
        calibration=[_is_calibration(text) for (text, _), _ in weighted],
    )


def _surnames(tokens: list[str], stop: frozenset[str]) -> set[str]:
    """Single characters right before a title ("胡", "厅长"): surnames of the person addressed.

    jieba splits an unknown name off its title; a lone "胡" would be a keyword no one can read,
    while the pair "胡 厅长" says who was written to. So the surname is learned only in pairs.
    """
    return {
        token
        for token, following in pairwise(tokens)
        if following in TITLES and len(token) == 1 and is_han(token) and token not in stop
    }


def _is_calibration(text: str) -> bool:
    # A salted hash, so this split is independent of the train/test split in nlp.data.
    digest = hashlib.md5(("calibration:" + text).encode("utf-8"), usedforsecurity=False)
    return int(digest.hexdigest(), 16) % CALIBRATION_FOLDS == 0


@dataclass(frozen=True)
class _Options:
    keywords: int | None
    negatives: int | None
    min_df: int
    cost: float
    min_weight: float


def _learn_rules(corpus: _Corpus, options: _Options, *, normalize: bool) -> RuleSet:
    idf = _idf(corpus.counts, min_df=options.min_df)
    model, vocabulary = _train(corpus, idf, cost=options.cost)
    significant = {
        vocabulary[j]
        for weights in _file_weights(model, vocabulary, idf)
        for j, weight in enumerate(weights)
        if abs(weight) >= options.min_weight
    }
    model, vocabulary = _train(corpus, {w: idf[w] for w in significant}, cost=options.cost)
    categories = tuple(
        _category(label, weights, bias, vocabulary, options)
        for label, weights, bias in zip(
            model.classes, _file_weights(model, vocabulary, idf), model.biases, strict=True
        )
    )
    return RuleSet(name="learned", categories=categories, normalize=normalize)


def _file_weights(
    model: LinearModel, vocabulary: list[str], idf: dict[str, float]
) -> list[list[float]]:
    """Centred SVM weights times idf, rounded: what each word adds to a score at run time."""
    factors = [idf[word] for word in vocabulary]
    return [
        [round(w * f, 3) for w, f in zip(weights, factors, strict=True)]
        for weights in _centred(model.weights)
    ]


def _calibrated_scale(corpus: _Corpus, options: _Options, rules: RuleSet) -> float:
    """Fit the confidence scale on rows the model did not see, when there are enough.

    Fitted on its own training rows, an SVM looks far surer than it is; so a second model is
    learned without a salted-hash fifth of the rows and the scale is fitted on that fifth.
    """
    rest = corpus.subset([not c for c in corpus.calibration])
    # A category too small to appear in the rest cannot be scored there: its held rows are
    # left out of the fit (the scale is shared by all categories).
    known = set(rest.labels)
    held = corpus.subset([c and label in known
                          for c, label in zip(corpus.calibration, corpus.labels, strict=True)])
    if len(held.labels) < MIN_CALIBRATION_ROWS or len(known) < 2:
        return _fit_scale(rules, corpus)
    return _fit_scale(_learn_rules(rest, options, normalize=rules.normalize), held)


def _train(corpus: _Corpus, idf: dict[str, float], *, cost: float) -> tuple[LinearModel, list[str]]:
    vocabulary = sorted(idf)
    index = {word: j for j, word in enumerate(vocabulary)}
    rows = [_features(c, norm, index, idf) for c, norm in zip(corpus.counts, corpus.norms, strict=True)]
    balance = _class_balance(corpus.labels, corpus.sample_weights)
    costs = [cost * balance[label] * weight
             for label, weight in zip(corpus.labels, corpus.sample_weights, strict=True)]
    model = train_ovr(rows, corpus.labels, n_features=len(vocabulary), cost=costs)
    return model, vocabulary


def _centred(weights: Sequence[list[float]]) -> list[list[float]]:
    """Subtract each word's median weight across categories from all its weights.

    Adding the same amount to every category's weight for a word adds the same amount to
    every category's score, so decisions and confidences do not change; but one-vs-rest
    weights carry a large shared "this word belongs elsewhere" part, and removing it leaves
    most weights near zero, so far fewer words are needed per category.
    """
    columns = list(zip(*weights, strict=True))
    medians = [statistics.median(column) for column in columns]
    return [[w - m for w, m in zip(row, medians, strict=True)] for row in weights]


def _features(
    counts: Counter[str], norm: float, index: dict[str, int], idf: dict[str, float]
) -> SparseRow:
    # Title-boosted counts are floats; _tf takes any count above 1.
    items = sorted((index[w], _tf(n) * idf[w] / norm) for w, n in counts.items() if w in index)
    return tuple(j for j, _ in items), tuple(v for _, v in items)


def _category(
    label: str, weights: list[float], bias: float, vocabulary: list[str], options: _Options
) -> CategoryRules:
    def strongest(sign: float, cap: int | None) -> dict[str, float]:
        ranked = sorted(
            (j for j, w in enumerate(weights) if sign * w >= options.min_weight),
            key=lambda j: -sign * weights[j],
        )
        return {vocabulary[j]: sign * weights[j] for j in ranked[:cap]}

    return CategoryRules(
        name=label,
        prior=round(bias, 3),
        keywords=strongest(1.0, options.keywords),
        negative=strongest(-1.0, options.negatives),
    )


def _fit_scale(rules: RuleSet, corpus: _Corpus) -> float:
    """Golden-section search for the scale minimising log-loss of softmax(scale * score)."""
    index = {c.name: i for i, c in enumerate(rules.categories)}
    scored = [
        (_scores(rules, counts, norm), index[label])
        for counts, norm, label in zip(corpus.counts, corpus.norms, corpus.labels, strict=True)
    ]

    def loss(log_scale: float) -> float:
        scale = math.exp(log_scale)
        total = 0.0
        for scores, gold in scored:
            top = max(scores)
            log_z = scale * top + math.log(sum(math.exp(scale * (s - top)) for s in scores))
            total += log_z - scale * scores[gold]
        return total

    low, high = math.log(0.01), math.log(1000.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if loss(a) < loss(b):
            high = b
        else:
            low = a
    return round(math.exp((low + high) / 2), 3)


def _scores(rules: RuleSet, counts: Counter[str], norm: float) -> list[float]:
    scores = []
    for category in rules.categories:
        raw = sum(category.keywords.get(w, 0.0) * _tf(n) for w, n in counts.items())
        raw -= sum(category.negative.get(w, 0.0) * _tf(n) for w, n in counts.items())
        scores.append(raw / norm + category.prior)
    return scores


def _idf(counts: Sequence[Counter[str]], *, min_df: int) -> dict[str, float]:
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(counts)
    return {w: math.log((1 + n) / (1 + d)) + 1.0 for w, d in df.items() if d >= min_df}


def _class_balance(labels: Sequence[str], sample_weights: Sequence[float]) -> dict[str, float]:
    totals: defaultdict[str, float] = defaultdict(float)
    for label, weight in zip(labels, sample_weights, strict=True):
        totals[label] += weight
    mean = sum(totals.values()) / len(totals)
    return {label: mean / total for label, total in totals.items()}


def _tf(n: float) -> float:
    return 1.0 + math.log(n) if n > 1 else 1.0


def _length_factor(counts: Counter[str]) -> float:
    return math.sqrt(sum(_tf(n) ** 2 for n in counts.values())) or 1.0
