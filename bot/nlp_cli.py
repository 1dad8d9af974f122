"""`minyuan nlp learn | eval | dedup-eval | topics | classify`: the rules tools (docs/nlp.md)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

SPLITS = ("all", "train", "test")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `nlp` command and its subcommands to the main parser."""
    nlp = subparsers.add_parser(
        "nlp", help="learn, evaluate and try the classifier's rules files",
        description="Rules files say which words decide each category. Learn one from "
                    "labelled CSV (columns text,label), measure it, or classify a message.")
    commands = nlp.add_subparsers(title="subcommands", metavar="SUBCOMMAND")
    nlp.set_defaults(func=lambda _args: _usage(nlp))
    _add_learn(commands)
    _add_eval(commands)
    _add_dedup_eval(commands)
    _add_topics(commands)
    _add_classify(commands)


def _add_learn(commands: argparse._SubParsersAction) -> None:
    learn = commands.add_parser(
        "learn", help="mine keywords and weights from labelled CSV into a rules file",
        description="Learn a readable rules file from labelled messages. With --base, the "
                    "learned words are merged into that file and its own entries are kept.")
    learn.add_argument("--data", required=True, type=Path, metavar="CSV",
                       help="labelled messages, CSV with columns text,label")
    learn.add_argument("--out", required=True, metavar="PATH",
                       help="rules file to write ('-' for standard output)")
    learn.add_argument("--base", metavar="RULES",
                       help="rules file (path or builtin name) whose entries are kept")
    learn.add_argument("--with-corrections", action="store_true",
                       help="also learn from staff corrections stored in the database")
    learn.add_argument("--split", choices=("all", "train"), default="all",
                       help="'train' leaves out the held-out fifth (md5(text) %% 5 == 0)")
    learn.add_argument("--name", default=None, help="taxonomy name written to [meta]")
    learn.add_argument("--keywords", type=int, default=None, metavar="N",
                       help="at most N keywords per category (default: all above --min-weight)")
    learn.add_argument("--negatives", type=int, default=None, metavar="N",
                       help="at most N negative words per category (default: all)")
    learn.add_argument("--min-df", type=int, default=None, metavar="N",
                       help="only words found in at least N messages (default 3)")
    learn.add_argument("--min-weight", type=float, default=None, metavar="W",
                       help="keep words whose weight reaches W (default 0.3)")
    learn.add_argument("--title-weight", type=float, default=None, metavar="W",
                       help="title words count 1 + W times (default 2; a --base file's wins)")
    learn.add_argument("--no-pairs", dest="pairs", action="store_false",
                       help="learn single words only, no word pairs like \"教师 对调\"")
    learn.set_defaults(func=learn_command)


def _add_eval(commands: argparse._SubParsersAction) -> None:
    evaluate = commands.add_parser(
        "eval", help="accuracy, macro-F1, per-category scores and confusion matrix",
        description="Classify every labelled message with a rules file and score it.")
    evaluate.add_argument("--rules", default="community",
                          help="rules file path or builtin name (community, city)")
    evaluate.add_argument("--data", required=True, type=Path, metavar="CSV",
                          help="labelled messages, CSV with columns text,label and/or "
                               "urgent (0/1), optionally hazard (gas, fire, lift …)")
    evaluate.add_argument("--split", choices=SPLITS, default="all",
                          help="'test': only the held-out fifth (md5(text) %% 5 == 0)")
    evaluate.add_argument("--short", action="store_true",
                          help="score each message's one-line form instead: its title "
                               "(text before the first space), else its first sentence")
    evaluate.add_argument("--threshold", type=float, default=None, metavar="T",
                          help="triage threshold (default: nlp.triage_threshold of the config)")
    evaluate.add_argument("--urgent-default", choices=("0", "1"), default=None,
                          help="gold urgent flag of rows without one; 0 scores a file of board "
                               "messages (even one with only a text column) for false alarms")
    evaluate.add_argument("--json", action="store_true",
                          help="print one JSON object (accuracy, macro_f1, n, triage_share, "
                               "routed_accuracy, urgent_recall, …)")
    evaluate.set_defaults(func=eval_command)


def _add_dedup_eval(commands: argparse._SubParsersAction) -> None:
    dedup = commands.add_parser(
        "dedup-eval", help="precision and recall of duplicate detection on labelled pairs",
        description="Read both messages of every labelled pair as intake does (category, "
                    "building, words, problems, places) and count the pairs linked as "
                    "duplicates against the labels.")
    dedup.add_argument("--data", required=True, type=Path, metavar="CSV",
                       help="the messages the pairs were drawn from (a CSV with a text column)")
    dedup.add_argument("--pairs", type=Path, default=None, metavar="TSV",
                       help="labelled pairs keyed by text hash (default: "
                            "nlp/corpus/duplicate_pairs.tsv)")
    dedup.add_argument("--split", choices=("dev", "heldout", "all"), default="heldout",
                       help="which pairs to score (default: the held-out ones)")
    dedup.add_argument("--rules", default="community",
                       help="rules file path or builtin name (the category is part of a match)")
    dedup.add_argument("--threshold", type=float, default=None, metavar="T",
                       help="word similarity (default: nlp.duplicate_threshold of the config)")
    dedup.add_argument("--wording-only", action="store_true",
                       help="score the former detector instead: word similarity alone, "
                            "same building")
    dedup.add_argument("--json", action="store_true",
                       help="print one JSON object (precision, recall, f1, n, …)")
    dedup.set_defaults(func=dedup_eval_command)


def _add_topics(commands: argparse._SubParsersAction) -> None:
    topics = commands.add_parser(
        "topics", help="the hot topics of a CSV of messages, as the weekly digest counts them",
        description="Count each message's problems with their place (\"3号楼 电梯故障\"), "
                    "once per message, with the topics file nlp/rules/topics.toml.")
    topics.add_argument("--data", required=True, type=Path, metavar="CSV",
                        help="messages, a CSV with a text column")
    topics.add_argument("--limit", type=int, default=20, metavar="N", help="show N (default 20)")
    topics.add_argument("--minimum", type=int, default=2, metavar="N",
                        help="only phrases of at least N messages (default 2, as the digest)")
    topics.add_argument("--json", action="store_true", help="print a JSON list of [phrase, count]")
    topics.set_defaults(func=topics_command)


def _add_classify(commands: argparse._SubParsersAction) -> None:
    classify = commands.add_parser(
        "classify", help="classify one message and explain the decision",
        description="Print the category, confidence, runner-up, deciding keywords, urgency, "
                    "location and the masked text of one message.")
    classify.add_argument("text", help="the message, in quotes")
    classify.add_argument("--rules", default="community",
                          help="rules file path or builtin name (community, city)")
    classify.add_argument("--json", action="store_true", help="print one JSON object")
    classify.set_defaults(func=classify_command)


def learn_command(args: argparse.Namespace) -> int:
    """Learn a rules file; 2 when the data, base or database cannot be read."""
    from nlp import RulesError, learn
    from nlp.data import read_labelled_csv, split_rows
    from nlp.rules import resolve_rules_path

    try:
        rows = read_labelled_csv(args.data)
        if args.split == "train":
            rows, _ = split_rows(rows)
        corrections = _corrections(args) if args.with_corrections else []
        options = {key: value for key in ("keywords", "negatives", "name", "min_df",
                                          "min_weight", "title_weight")
                   if (value := getattr(args, key)) is not None}
        base = resolve_rules_path(args.base) if args.base else None
        text = learn(rows, base=base, corrections=corrections, pairs=args.pairs, **options)
    except (RulesError, ValueError, OSError) as exc:
        print(f"minyuan nlp learn: {exc}", file=sys.stderr)
        return 2
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out} ({len(rows)} rows, {len(corrections)} corrections)",
              file=sys.stderr)
    return 0


def _corrections(args: argparse.Namespace) -> list[tuple[str, str]]:
    """Staff corrections from the configured database (imported lazily: nlp stays DB-free).

    Raises ValueError when the database cannot be read.
    """
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session

    from bot.config import load_config
    from storage.corrections import list_corrections
    from storage.db import make_engine

    config = load_config(getattr(args, "config", None))
    try:
        with Session(make_engine(config.database.url)) as session:
            return list_corrections(session)
    except SQLAlchemyError as exc:
        raise ValueError(f"cannot read corrections from the database: {exc}") from exc


def eval_command(args: argparse.Namespace) -> int:
    """Print the evaluation report; 2 when the rules or data cannot be read."""
    from nlp import Analyzer, RulesError, evaluate
    from nlp.data import is_test, read_eval_data, short_text

    try:
        analyzer = Analyzer.load(args.rules)
        data = read_eval_data(args.data, urgent_default=None if args.urgent_default is None
                              else args.urgent_default == "1")
        threshold = args.threshold if args.threshold is not None else _triage_threshold(args)
    except (RulesError, ValueError, OSError) as exc:
        print(f"minyuan nlp eval: {exc}", file=sys.stderr)
        return 2
    rows, urgent, hazards = data.rows, data.urgent, data.hazards
    if args.split != "all":
        keep = [is_test(text) == (args.split == "test") for text, _ in rows]
        rows = [row for row, k in zip(rows, keep, strict=True) if k]
        if urgent is not None:
            urgent = [flag for flag, k in zip(urgent, keep, strict=True) if k]
        if hazards is not None:
            hazards = [hazard for hazard, k in zip(hazards, keep, strict=True) if k]
    if args.short:  # after the split: the held-out rows stay the same rows
        rows = [(short_text(text), label) for text, label in rows]
    report = evaluate(analyzer, rows, triage_threshold=threshold, urgent=urgent, hazards=hazards)
    print(report.to_json() if args.json else report.format())
    return 0


def dedup_eval_command(args: argparse.Namespace) -> int:
    """Print precision and recall of duplicate detection; 2 when an input cannot be read."""
    from nlp import Analyzer, RulesError
    from nlp.dedup_eval import PAIRS_FILE, evaluate_pairs, read_pairs, read_texts
    from nlp.topics import TopicRules, TopicsError

    try:
        analyzer = Analyzer.load(args.rules)
        topics = TopicRules.load()
        pairs = read_pairs(args.pairs or PAIRS_FILE)
        texts = read_texts(args.data)
        threshold = args.threshold if args.threshold is not None else _duplicate_threshold(args)
    except (RulesError, TopicsError, ValueError, OSError) as exc:
        print(f"minyuan nlp dedup-eval: {exc}", file=sys.stderr)
        return 2
    chosen = [p for p in pairs if args.split == "all" or p.split == args.split]
    report = evaluate_pairs(analyzer, topics, chosen, texts, threshold=threshold,
                            wording_only=args.wording_only)
    if report.n == 0:
        print("minyuan nlp dedup-eval: none of the pairs' messages is in the CSV",
              file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.format())
    return 0


def topics_command(args: argparse.Namespace) -> int:
    """Print the hot topics of a CSV; 2 when it or the topics file cannot be read."""
    from nlp.dedup_eval import read_texts
    from nlp.location import parse_location
    from nlp.topics import TopicRules, TopicsError, hot_topics

    try:
        rules = TopicRules.load()
        texts = list(read_texts(args.data).values())
    except (TopicsError, ValueError, OSError) as exc:
        print(f"minyuan nlp topics: {exc}", file=sys.stderr)
        return 2
    ranked = hot_topics(rules, ((t, parse_location(t).building) for t in texts),
                        minimum=args.minimum, limit=args.limit)
    if args.json:
        print(json.dumps(ranked, ensure_ascii=False))
    else:
        print(f"{len(texts)} messages")
        for phrase, count in ranked:
            print(f"{count:5d}  {phrase}")
    return 0


def _duplicate_threshold(args: argparse.Namespace) -> float:
    """The configured nlp.duplicate_threshold; ValueError when the config cannot be read."""
    from bot.config import ConfigError, load_config

    try:
        return load_config(getattr(args, "config", None)).nlp.duplicate_threshold
    except ConfigError as exc:
        raise ValueError(f"cannot read the duplicate threshold: {exc}") from exc


def _triage_threshold(args: argparse.Namespace) -> float:
    """The configured triage threshold (config.toml's nlp.triage_threshold).

    Raises ValueError when the configuration cannot be read.
    """
    from bot.config import ConfigError, load_config

    try:
        return load_config(getattr(args, "config", None)).nlp.triage_threshold
    except ConfigError as exc:
        raise ValueError(f"cannot read the triage threshold: {exc}") from exc


def classify_command(args: argparse.Namespace) -> int:
    """Print one decision with its explanation; 2 when the rules cannot be read."""
    from nlp import Analyzer, RulesError

    try:
        analyzer = Analyzer.load(args.rules)
    except (RulesError, OSError) as exc:
        print(f"minyuan nlp classify: {exc}", file=sys.stderr)
        return 2
    analysis = analyzer.analyse(args.text)
    if args.json:
        data = asdict(analysis)
        data["tokens"] = sorted(analysis.tokens)
        data["location"]["label"] = analysis.location.label()
        print(json.dumps(data, ensure_ascii=False))
        return 0
    d = analysis.decision
    runner_up = f"{d.runner_up} ({d.runner_up_confidence:.2f})" if d.runner_up else "无"
    print(f"分类：{d.category}")
    print(f"置信度：{d.confidence:.2f}")
    print(f"次选：{runner_up}")
    print(f"关键词：{'、'.join(d.keywords) or '无'}")
    urgent = f"是（{'、'.join(analysis.urgency.words)}）" if analysis.urgency.urgent else "否"
    print(f"紧急：{urgent}")
    print(f"位置：{analysis.location.label() or '未识别'}")
    print(f"脱敏文本：{analysis.masked_text}")
    print(f"说明：{analysis.explain()}")
    return 0


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2
