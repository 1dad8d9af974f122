"""Shared fixtures: analysers are loaded once per run (jieba's dictionary takes a second)."""

from __future__ import annotations

import pytest

from nlp import Analyzer


@pytest.fixture(scope="session")
def community() -> Analyzer:
    return Analyzer.load("community")


@pytest.fixture(scope="session")
def city() -> Analyzer:
    return Analyzer.load("city")


@pytest.fixture
def run_cli():
    """Run `minyuan nlp …` through the nlp parser alone; returns the exit code."""
    import argparse

    from bot import nlp_cli

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser(prog="minyuan")
        nlp_cli.register(parser.add_subparsers())
        args = parser.parse_args(argv)
        return args.func(args)

    return run
