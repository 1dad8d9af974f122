"""The weekly digest counts returns per group with their rulings, referrals per department
and extensions."""

from __future__ import annotations

from tests.e2e.test_extensions import claimed_petition, request
from tests.e2e.test_returns import parking_petition, ruling_message


async def test_the_digest_counts_returns_referrals_and_extensions(office, resident, harness, clock):
    street, parking = office.street_group.id, office.parking_group.id
    upheld = await parking_petition(office, resident)
    await office.say(office.staff, parking, f"/return {upheld} 不属于停车分类")
    message = ruling_message(office, street, upheld)
    await office.press(office.supervisor, street, message.message_id,
                       office.button(message, "✅ 维持原派"))
    clock.advance(minutes=5)  # a later message is a new petition, not a follow-up
    moved = await parking_petition(office, resident)
    await office.say(office.staff, parking, f"/return {moved} 不属于停车分类")
    message = ruling_message(office, street, moved)
    await office.press(office.supervisor, street, message.message_id,
                       office.button(message, "改派→红旗社区民愿工作群"))
    clock.advance(minutes=5)
    number, group_id = await claimed_petition(office, resident)
    await office.say(office.staff, group_id, f"/refer {number} 自来水公司 楼顶水箱漏水")
    await office.say(office.staff, group_id, f"/extend {number} 4 等待自来水公司维修")
    asked = request(office, street, number)
    await office.press(office.supervisor, street, asked.message_id, office.button(asked, "✅ 批准延期"))

    clock.advance(days=7)  # the next Monday: last week's digest
    office.emu.send_text(office.supervisor, street, "/digest")
    await harness.settle(timeout=60)  # the first chart loads matplotlib: slow on a busy machine
    digest = office.last_text(street)
    assert "退单、转交与延期" in digest
    assert "退单 红旗社区停车协调组：2 件（维持原派 1，改派 1，待裁定 0）" in digest
    assert "转交部门 自来水公司：1 件（已办结 0，超期 0）" in digest
    assert "延期申请：1 件（批准 1，不批准 0，待审批 0；共延长 4 个工作日）" in digest
