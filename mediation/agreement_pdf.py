"""The mediation agreement (人民调解协议书) as a PDF, drawn with ReportLab.

The font: a TrueType CJK font named by ``GRIDGOV["AGREEMENT_FONT"]`` (a .ttf/.ttc path) is embedded when
ReportLab can read it; otherwise the agreement uses Adobe's standard CID font STSong-Light, which every PDF
reader supplies (Chromium and pdf.js map it to the system's CJK font, e.g. Noto CJK from fonts-noto-cjk,
whose CFF outlines ReportLab cannot embed). Pages that cannot open PDFs print the HTML view instead.

STSong-Light covers the GB 18030 repertoire through the UniGB-UCS2-H CMap, which leaves out a few marks
common in typed text: the middle dot "·" (U+00B7) of names and separators, the bullet and the minus sign.
Drawn as they are, a reader shows an empty box (rendered and looked at with pdftoppm), so ``printable``
swaps them for the GB marks that look the same before anything is drawn.
"""

import io
from functools import cache
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

CID_FONT = "STSong-Light"
# Marks the CID font's CMap has no glyph for → the GB marks that look the same.
NOT_IN_GB = str.maketrans({"\u00b7": "\u30fb", "\u2022": "\u30fb", "\u2027": "\u30fb", "\u2212": "-"})


@cache
def font_name() -> str:
    path = (getattr(settings, "GRIDGOV", {}) or {}).get("AGREEMENT_FONT")
    if path:
        try:
            pdfmetrics.registerFont(TTFont("AgreementCJK", path))
            return "AgreementCJK"
        except (TTFError, OSError):
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def printable(text) -> str:
    """The text as the agreement's font can draw it (see the module's note)."""
    return str(text or "").translate(NOT_IN_GB)


def _p(text, style):
    return Paragraph(escape(printable(text)).replace("\n", "<br/>"), style)


def agreement_pdf(dispute, *, parties, sessions, signatures) -> bytes:
    font = font_name()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1, spaceAfter=6 * mm)
    head = ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=4 * mm, spaceAfter=2 * mm)
    body = ParagraphStyle("b", fontName=font, fontSize=11, leading=18)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_("People's mediation agreement"),
        author="GridGov",
    )
    story = [
        _p(_("People's mediation agreement"), title),
        _p(_("No. %(number)s") % {"number": dispute.number}, body),
        _p(_("Parties"), head),
    ]
    rows = [[_p(_("Role"), body), _p(_("Name"), body), _p(_("ID number"), body), _p(_("Phone"), body)]]
    rows += [
        [_p(p.get_role_display(), body), _p(p.name, body), _p(p.id_mask, body), _p(p.phone_mask, body)]
        for p in parties
    ]
    table = Table(rows, colWidths=[28 * mm, 40 * mm, 55 * mm, 43 * mm])
    table.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#888888"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    story += [
        table,
        _p(_("The dispute"), head),
        _p(f"{dispute.get_dispute_type_display()} · {dispute.title}", body),
        _p(dispute.description, body),
        _p(_("Mediation"), head),
    ]
    for s in sessions:
        when = timezone.localtime(s.held_at).strftime("%Y-%m-%d %H:%M")
        story.append(_p(f"{when} · {s.place} · {'、'.join(m.name for m in s.mediators.all())}", body))
    story += [
        _p(_("Terms agreed"), head),
        _p(dispute.agreement_text, body),
        _p(_("Performance"), head),
        _p(
            _(
                "The parties perform the terms above; the mediation committee visits to follow up. "
                "This agreement "
                "has the force of a civil contract (People's Mediation Law, art. 31)."
            ),
            body,
        ),
        Spacer(1, 10 * mm),
    ]
    signed = {sig.party_id: sig for sig in signatures}
    sign_rows = [[_p(_("Party"), body), _p(_("Signature recorded"), body)]]
    for p in parties:
        sig = signed.get(p.pk)
        mark = timezone.localtime(sig.at).strftime("%Y-%m-%d %H:%M") if sig else "________________"
        sign_rows.append([_p(p.name, body), _p(mark, body)])
    if dispute.mediator_id:
        sign_rows.append([_p(_("Mediator"), body), _p(dispute.mediator.name, body)])
    sign_table = Table(sign_rows, colWidths=[60 * mm, 106 * mm])
    sign_table.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, "#aaaaaa")]))
    story.append(sign_table)
    when = timezone.localtime(dispute.concluded_at or timezone.now()).strftime("%Y-%m-%d")
    story += [Spacer(1, 8 * mm), _p(_("Date: %(date)s") % {"date": when}, body)]
    doc.build(story)
    return out.getvalue()
