"""QR codes for survey links (segno: pure Python, no network, SVG that prints sharply)."""

import segno


def qr_svg(url: str, *, scale: int = 6) -> str:
    # Error correction "M" still scans after a poster is scuffed or partly covered by tape.
    return segno.make(url, error="m").svg_inline(scale=scale, dark="#000", light="#fff", border=2)
