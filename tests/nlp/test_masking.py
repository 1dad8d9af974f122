"""Personal data is masked before a petition reaches a staff group."""

from __future__ import annotations

import pytest

from nlp import mask_name, mask_personal_data, mask_phone


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("我的电话13812345678，谢谢", "我的电话138****5678，谢谢"),
        ("手机 138 1234 5678", "手机 138****5678"),
        ("+8613912345678", "139****5678"),
        ("座机0731-88889999", "座机0731-****9999"),
        ("北京010-62345678", "北京010-****5678"),
        ("电话：88889999", "电话：****9999"),
        ("身份证430102199003071234", "身份证430***********1234"),
        ("身份证号11010519491231002X", "身份证号110***********002X"),
        ("卡号6222021234567890123", "卡号6222***********0123"),
        ("卡号 6222 0212 3456 7890", "卡号 6222********7890"),
        ("联系人：王小明", "联系人：王**"),
        ("我叫欧阳娜娜", "我叫欧阳**"),
        ("3号楼2单元501，2020年5月", "3号楼2单元501，2020年5月"),
        ("没有个人信息", "没有个人信息"),
    ],
)
def test_mask_personal_data(text, masked):
    assert mask_personal_data(text) == masked


def test_id_digits_are_not_taken_for_a_phone():
    masked = mask_personal_data("430102199003071234")
    assert masked == "430***********1234"
    assert "1990" not in masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("138-1234-5678", "138****5678"),
     ("07318888999", "0731-****8999"), ("88889999", "****9999")],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [("王五", "王*"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧*"),
     ("司马光", "司马*"), ("李", "李")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_analysis_shows_masked_text(community):
    analysis = community.analyse("3号楼漏水，联系我13812345678")
    assert analysis.masked_text == "3号楼漏水，联系我138****5678"
