"""The knowledge base file: which questions it answers, and the errors it names."""

from __future__ import annotations

import pytest

from nlp.answers import AnswerBook
from nlp.rules import RulesError

BOOK = AnswerBook.load()


@pytest.mark.parametrize(("text", "code"), [
    ("请问开居住证明需要什么材料？", "residence_certificate"),
    ("居住证怎么办理，要带什么", "residence_certificate"),
    ("低保申请条件是什么", "dibao"),
    ("社区周末上班吗", "office_hours"),
    ("高龄津贴怎么领", "elderly_allowance"),
    ("我要投诉，低保申请被拒绝了", None),  # a complaint: the file's unless words
    ("居住证明", None),  # a mention, not a question about it
    ("楼上漏水严重，天花板一直滴水", None),
    ("请问居住证明需要什么材料？" + "房东一直不配合" * 20, None),  # a story is a petition
])
def test_questions_and_petitions(text, code):
    found = BOOK.find(text)
    assert (found.code if found else None) == code


def test_templates_by_name():
    assert BOOK.template("visit") is not None
    assert BOOK.template("nosuch") is None


@pytest.mark.parametrize(("data", "message"), [
    ({"answers": {"a": {"match": [["x"]]}}}, "answers.a.answer: missing"),
    ({"answers": {"a": {"answer": "y"}}}, "answers.a: needs match or patterns"),
    ({"answers": {"a": {"answer": "y", "match": [[]]}}}, "empty word list"),
    ({"answers": {"a": {"answer": "y", "patterns": ["("]}}}, "answers.a.patterns"),
    ({"answers": {"a": {"answer": "y", "match": [["x"]], "typo": 1}}}, "unknown keys typo"),
    ({"templates": {"t": {}}}, "templates.t.text: missing"),
])
def test_a_bad_file_names_the_key(data, message):
    with pytest.raises(RulesError, match=message):
        AnswerBook.from_mapping(data)
