"""The agreement PDF draws Chinese: in the CID font every reader supplies, with the marks that font's GB table
lacks swapped for their look-alikes (drawn as they are, a reader shows empty boxes); the text is read back
with poppler's pdftotext where it is installed (as pdftoppm rendered it when the fix was made)."""

import shutil
import subprocess
from types import SimpleNamespace as N

import pytest
from django.utils import timezone, translation

from mediation import agreement_pdf


def _agreement() -> bytes:
    now = timezone.now()
    parties = [
        N(
            pk=1,
            get_role_display=lambda: "申请人",
            name="李桂英",
            id_mask="3101**1234",
            phone_mask="138****1234",
        ),
        N(
            pk=2,
            get_role_display=lambda: "被申请人",
            name="阿卜杜·热合曼",
            id_mask="6501**5678",
            phone_mask="",
        ),
    ]
    dispute = N(
        number="TJ-2026-0012",
        get_dispute_type_display=lambda: "邻里纠纷",
        title="楼上漏水损坏楼下吊顶",
        description="3栋502室卫生间漏水，导致402室吊顶受损。" * 4,
        agreement_text="一、502室于12月15日前完成防水维修；二、赔偿修复费用人民币叁仟元整。" * 3,
        concluded_at=now,
        mediator_id=1,
        mediator=N(name="张调解"),
    )
    sessions = [N(held_at=now, place="社区人民调解室", mediators=N(all=lambda: [N(name="张调解")]))]
    with translation.override("zh-hans"):
        return agreement_pdf.agreement_pdf(
            dispute, parties=parties, sessions=sessions, signatures=[N(party_id=1, at=now)]
        )


def test_it_swaps_the_marks_the_cid_font_cannot_draw():
    assert agreement_pdf.printable("阿卜杜·热合曼 • 3−1") == "阿卜杜・热合曼 ・ 3-1"
    assert agreement_pdf.printable(None) == ""


def test_it_falls_back_to_the_cid_font_when_the_configured_one_cannot_be_read(settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "AGREEMENT_FONT": "/nonexistent/font.ttc"}
    agreement_pdf.font_name.cache_clear()
    try:
        assert agreement_pdf.font_name() == agreement_pdf.CID_FONT
    finally:
        agreement_pdf.font_name.cache_clear()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_the_agreement_reads_back_in_chinese(tmp_path):
    path = tmp_path / "agreement.pdf"
    path.write_bytes(_agreement())
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    # The swapped dot is the GB middle dot's glyph: it reads back as the dot typed.
    for words in ("人民调解协议书", "李桂英", "阿卜杜·热合曼", "社区人民调解室", "叁仟元整"):
        assert words in text.replace("\n", "")
