"""PDFs written by hand for tests (pypdf cannot write text): one page per string."""


def pdf_bytes(pages: list[str], damaged: bool = False) -> bytes:
    """A PDF with one page per string; an empty string is a page with no text layer (a
    scan). `damaged`: wrong cross-reference offsets, which pypdf reads with warnings."""
    objects: list[bytes | None] = [b"<< /Type /Catalog /Pages 2 0 R >>", None]
    kids = []
    for text in pages:
        page_no = len(objects) + 1
        kids.append(page_no)
        if text:
            stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
            objects.append(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (page_no + 1, page_no + 2)
            )
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
            objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
        else:
            objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
    refs = " ".join(f"{k} 0 R" for k in kids).encode()
    objects[1] = b"<< /Type /Pages /Kids [" + refs + b"] /Count %d >>" % len(kids)
    skew = 7 if damaged else 0
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out) + skew)
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out) + (3 if damaged else 0)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
