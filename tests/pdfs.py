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


def page_picture(text: str, degraded: bool = False, seed: int = 0):
    """A picture of an A4 page of `text` at 300 dpi, as a scanner makes one; `degraded`:
    slightly rotated, blurred and speckled, as an office copier leaves it."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    page = Image.new("L", (2480, 3508), 255)
    ImageDraw.Draw(page).multiline_text(
        (200, 300), text, fill=0, font=ImageFont.load_default(size=44), spacing=28
    )
    if degraded:
        rng = random.Random(seed)
        page = page.rotate(0.8, fillcolor=255, resample=Image.Resampling.BICUBIC)
        page = page.filter(ImageFilter.GaussianBlur(1.2))
        pixels = page.load()
        for _ in range(60_000):  # specks of dust and toner
            x, y = rng.randrange(page.width), rng.randrange(page.height)
            pixels[x, y] = rng.choice((0, 90, 200))
    return page


def scanned_pdf(pages: list) -> bytes:
    """A PDF of page pictures (no text layer), as a scanner writes one."""
    import io

    out = io.BytesIO()
    pages[0].convert("RGB").save(
        out,
        "PDF",
        resolution=300,
        save_all=True,
        append_images=[p.convert("RGB") for p in pages[1:]],
    )
    return out.getvalue()


def joined(*pdfs: bytes) -> bytes:
    """The pages of several PDFs, in order, in one."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in pdfs:
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def character_accuracy(read: str, truth: str) -> float:
    """1 - the character error rate: the edit distance between what OCR read and the
    truth (whitespace runs counted as one space), over the truth's length."""
    a, b = " ".join(read.split()), " ".join(truth.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return max(0.0, 1 - previous[-1] / max(len(b), 1))
