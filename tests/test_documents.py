import pytest

from qa.config import ChunkSettings
from qa.errors import UsageError
from qa.reading import Skip, chunk_document, iter_files, make_splitter, read_document, split_date
from qa.text import sentences

from .pdfs import pdf_bytes


def test_date_header_is_parsed_and_kept_out_of_the_text():
    date, text, offset = split_date(" date 2021-12-07 President Putin travelled.")
    assert date == "2021-12-07"
    assert text == "President Putin travelled."
    assert offset == len(" date 2021-12-07 ")


def test_chunks_carry_offsets_into_the_file(tmp_path):
    body = "date 2021-01-02\n" + " ".join(f"Sentence number {i} is here." for i in range(80))
    f = tmp_path / "a.txt"
    f.write_text(body, encoding="utf-8")
    doc = chunk_document(read_document(f, tmp_path), make_splitter(ChunkSettings(300, 50)))
    assert doc.date == "2021-01-02"
    assert len(doc.chunks) > 3
    for c in doc.chunks:
        assert body[c.start : c.start + len(c.text)] == c.text
        assert "date 2021" not in c.text
    assert [c.chunk for c in doc.chunks] == list(range(len(doc.chunks)))
    assert len({c.id for c in doc.chunks}) == len(doc.chunks)


def test_a_chunk_is_never_cut_after_initials_or_a_title(tmp_path):
    # a cut after "Theodore W." leaves one chunk ending in "W." and the next starting with
    # a surname: both shown in answers as if they were sentences
    names = ["Theodore W. Pangborn", "Mr. Smith", "the U.S. Navy", "Dr. Ruth", "Piano No. 2"]
    body = " ".join(
        f"Here {i} is {names[i % 5]} and a filler clause to pad it out." for i in range(60)
    )
    f = tmp_path / "a.txt"
    f.write_text(body, encoding="utf-8")
    splitter = make_splitter(ChunkSettings(300, 50))
    chunks = chunk_document(read_document(f, tmp_path), splitter).chunks
    assert len(chunks) > 5
    for c in chunks:
        assert c.text.endswith("out."), c.text[-30:]
        assert c.text.startswith("Here"), c.text[:30]


def test_a_sentence_does_not_end_at_a_reign_a_date_of_death_or_a_court_case():
    from qa.text import sentences

    text = (
        "The Qianlong Emperor (r. 1735–1796) ruled. Camões (c. 1524–1580) wrote it. "
        "In Marbury v. Madison the Court ruled. A monk (d. 1435) went. Next one."
    )
    assert [text[a:b] for a, b in sentences(text)] == [
        "The Qianlong Emperor (r. 1735–1796) ruled.",
        "Camões (c. 1524–1580) wrote it.",
        "In Marbury v. Madison the Court ruled.",
        "A monk (d. 1435) went.",
        "Next one.",
    ]


def test_chunk_ids_are_deterministic(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Alpha beta gamma. " * 100)
    split = make_splitter(ChunkSettings(200, 20))
    first = [c.id for c in chunk_document(read_document(f, tmp_path), split).chunks]
    second = [c.id for c in chunk_document(read_document(f, tmp_path), split).chunks]
    assert first == second


@pytest.mark.parametrize(
    "data,expected",
    [
        ("Café au lait".encode("utf-16"), "Café au lait"),
        ("Café au lait".encode("latin-1"), "Café au lait"),
        ("\ufeffCafé".encode("utf-8"), "Café"),
    ],
)
def test_common_encodings_decode(tmp_path, data, expected):
    f = tmp_path / "t.txt"
    f.write_bytes(data)
    assert read_document(f, tmp_path).text == expected


def test_binary_empty_and_unknown_files_are_skipped_with_a_reason(tmp_path, monkeypatch):
    from qa.reading import ocr

    monkeypatch.setattr(ocr, "available", lambda: False)  # as without the `ocr` extra
    (tmp_path / "b.bin").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "e.txt").write_text("   \n")
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    reasons = {}
    for name in ("b.bin", "e.txt", "img.png"):
        with pytest.raises(Skip) as info:
            read_document(tmp_path / name, tmp_path)
        reasons[name] = str(info.value)
    assert reasons["b.bin"] == "binary file"
    assert reasons["e.txt"] == "empty"
    assert reasons["img.png"] == "an image: install the OCR extra to read it: pip install 'qa[ocr]'"


def test_html_keeps_only_text(tmp_path):
    f = tmp_path / "p.html"
    f.write_text(
        "<html><head><style>p{}</style><script>var x=1</script></head>"
        "<body><h1>Title</h1><p>Hello <b>world</b>.</p></body></html>"
    )
    text = read_document(f, tmp_path).text
    assert "Hello world." in text and "Title" in text
    assert "var x" not in text and "p{}" not in text


def test_hidden_folders_and_symlink_loops_are_not_walked(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("secret")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("a")
    (tmp_path / "sub" / "loop").symlink_to(tmp_path)
    files = [p.relative_to(tmp_path).as_posix() for p in iter_files(tmp_path)]
    assert files == ["sub/a.txt"]


def test_bad_chunk_settings_are_usage_errors():
    with pytest.raises(UsageError):
        ChunkSettings(100, 100)
    with pytest.raises(UsageError):
        ChunkSettings(10, 0)


def test_sentence_split_keeps_abbreviations_out_of_the_way():
    text = "Mr Putin went to Geneva. The outcome was poor! Was it? Yes."
    spans = [text[s:e] for s, e in sentences(text)]
    assert spans == ["Mr Putin went to Geneva.", "The outcome was poor!", "Was it?", "Yes."]


@pytest.mark.parametrize(
    "text",
    [
        "A talk between U.S. President Joe Biden and Mr. Putin took place.",
        "J. R. R. Tolkien wrote it in Oxford.",
        "Dr. Singh met Gen. Rawat on Dec. 6 at No. 10 Downing Street.",
    ],
)
def test_a_full_stop_after_initials_or_a_title_does_not_end_a_sentence(text):
    # An answer made of the first piece ("…between U.S.") would read as nonsense.
    both = text + " Then it ended."
    assert [both[s:e] for s, e in sentences(both)] == [text, "Then it ended."]


def test_pdf_text_is_extracted(tmp_path):
    f = tmp_path / "report.pdf"
    f.write_bytes(pdf_bytes(["The budget grew by nine percent."]))
    assert "budget grew by nine percent" in read_document(f, tmp_path).text


def test_broken_pdf_and_large_files_are_skipped(tmp_path):
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    with pytest.raises(Skip, match="PDF|empty"):
        read_document(tmp_path / "broken.pdf", tmp_path)
    big = tmp_path / "big.txt"
    big.write_text("x" * 2_000_000)
    with pytest.raises(Skip, match="larger than 1 MB"):
        read_document(big, tmp_path, max_file_mb=1)
