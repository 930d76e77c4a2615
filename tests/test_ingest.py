import pytest

from qa.config import ChunkSettings
from qa.errors import IndexMismatch, PathNotFound
from qa.index import Index
from qa.ingest import embed_chunks, forget, ingest


def counts(index):
    """Chunks in SQLite, in the full-text index and in Chroma, which must agree."""
    c = index.consistency()
    assert c["ok"], c
    return c["chunks"], c["fts_rows"], c["vectors"]


def test_ingest_a_folder_then_again_adds_nothing(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    first = ingest([docs], index, embedder, ChunkSettings(300, 30))
    assert (first.added, first.unchanged, first.skipped) == (3, 0, 0)
    n = counts(index)
    assert n[0] == n[1] == n[2] == first.chunks_added > 3
    calls = embedder.calls

    second = ingest([docs], index, embedder, ChunkSettings(300, 30))
    assert (second.added, second.updated, second.unchanged) == (0, 0, 3)
    assert counts(index) == n
    assert embedder.calls == calls  # unchanged files are not embedded again


def test_changed_and_deleted_files_are_synced(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    (docs / "bread.txt").write_text("Rye bread is dense and sour. It keeps for a week.")
    (docs / "volcano.md").unlink()
    report = ingest([docs], index, embedder)
    assert (report.updated, report.removed, report.unchanged) == (1, 1, 1)
    sources = sorted(d.source for d in index.documents())
    assert sources == ["docs/bread.txt", "docs/summit.txt"]
    sql, fts, chroma = counts(index)
    assert sql == fts == chroma
    texts = " ".join(
        c.text for c in index.get_chunks(index.chunk_ids(str(docs / "bread.txt"))).values()
    )
    assert "Rye" in texts and "Sourdough" not in texts


def test_no_prune_keeps_documents_of_deleted_files(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    (docs / "bread.txt").unlink()
    report = ingest([docs], index, embedder, prune=False)
    assert report.removed == 0
    assert len(index.documents()) == 3


def test_skipped_files_are_reported_not_fatal(tmp_path, docs, embedder):
    (docs / "blob.bin").write_bytes(b"\x00" * 50)
    (docs / "empty.txt").write_text("")
    report = ingest([docs], Index(tmp_path / "ix"), embedder)
    assert report.added == 3
    assert sorted((s["path"].split("/")[-1], s["reason"]) for s in report.skipped_files) == [
        ("blob.bin", "binary file"),
        ("empty.txt", "empty"),
    ]


def test_missing_path_is_refused_before_anything_is_written(tmp_path, embedder):
    index = Index(tmp_path / "ix")
    with pytest.raises(PathNotFound):
        ingest([tmp_path / "nope"], index, embedder)
    assert not index.exists()


def test_other_chunk_settings_are_refused_and_the_index_kept(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder, ChunkSettings(300, 30))
    before = counts(index)
    with pytest.raises(IndexMismatch, match="qa reindex"):
        ingest([docs], index, embedder, ChunkSettings(500, 30))
    assert counts(index) == before


def test_another_embedding_model_is_refused_naming_the_setting_that_matches(
    tmp_path, docs, embedder
):
    from qa.config import EMBEDDING_MODEL
    from qa.embeddings import INT8_NAME
    from qa.ingest import index_settings

    index = Index(tmp_path / "ix")
    embedder.name = EMBEDDING_MODEL  # as an index built with the float embedder
    ingest([docs], index, embedder, ChunkSettings(300, 30))
    embedder.name = INT8_NAME
    wanted = index_settings(embedder, ChunkSettings(300, 30))
    with pytest.raises(IndexMismatch, match=r"QA_EMBEDDER=onnx\), or rebuild it with `qa reindex`"):
        index.check_settings(wanted, for_query=True)


def test_metadata_source_date_and_offsets(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    doc = next(d for d in index.documents() if d.source == "docs/volcano.md")
    assert doc.date == "2020-03-01"
    chunks = index.get_chunks(index.chunk_ids(doc.path))
    raw = (docs / "volcano.md").read_text()
    for c in chunks.values():
        assert raw[c.start : c.start + len(c.text)] == c.text
    got = index.collection.get(ids=list(chunks), include=["metadatas"])
    assert {m["source"] for m in got["metadatas"]} == {"docs/volcano.md"}
    assert {m["date"] for m in got["metadatas"]} == {"2020-03-01"}


def test_forget_removes_a_document_everywhere(tmp_path, docs, embedder):
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    assert forget([str(docs / "bread.txt")], index) == ["docs/bread.txt"]
    assert len(index.documents()) == 2
    sql, fts, chroma = counts(index)
    assert sql == fts == chroma
    with pytest.raises(PathNotFound):
        forget([str(docs / "bread.txt")], index)


def test_vectors_of_an_uncommitted_document_are_recovered(tmp_path, docs, embedder):
    """A run killed between writing vectors and committing leaves no orphans behind."""
    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder)
    index.db.execute("INSERT INTO pending(id) VALUES ('orphan')")
    index.collection.upsert(
        ids=["orphan"],
        embeddings=[embedder.embed_query("x y")],
        documents=["x"],
        metadatas=[{"path": "/gone"}],
    )
    report = ingest([docs], index, embedder)
    assert report.unchanged == 3
    sql, fts, chroma = counts(index)
    assert sql == fts == chroma


def test_reindex_rebuilds_with_new_chunk_settings(tmp_path, docs, embedder):
    from qa.ingest import reindex

    index = Index(tmp_path / "ix")
    ingest([docs], index, embedder, ChunkSettings(300, 30))
    report = reindex(index, embedder, ChunkSettings(150, 20))
    assert report.added == 3
    rebuilt = Index(tmp_path / "ix")
    assert rebuilt.settings()["chunk_size"] == 150
    assert sorted(d.source for d in rebuilt.documents()) == [
        "docs/bread.txt",
        "docs/summit.txt",
        "docs/volcano.md",
    ]
    sql, fts, chroma = counts(rebuilt)
    assert sql == fts == chroma > report.chunks_added - 1
    assert not (tmp_path / "ix.reindex").exists() and not (tmp_path / "ix.old").exists()


def test_a_sentence_in_two_overlapping_chunks_is_embedded_once(embedder):
    from qa.reading import Chunk

    shared = "The leaders also discussed trade and energy."
    first = f"India signed a rifle contract. {shared}"
    second = f"{shared} Football is popular in Brazil."
    chunks = [
        Chunk("a", first, 0, 0, len(first), [(0, 30), (31, len(first))]),
        Chunk(
            "b", second, 1, 31, 31 + len(second), [(0, len(shared)), (len(shared) + 1, len(second))]
        ),
    ]
    seen = []
    real = embedder.embed_documents
    embedder.embed_documents = lambda texts: seen.extend(texts) or real(texts)

    chunk_vecs, sentence_vecs = embed_chunks(embedder, chunks)

    assert sorted(seen) == sorted({first, second, shared, first[:30], second[len(shared) + 1 :]})
    assert chunk_vecs == [embedder.embed_query(first), embedder.embed_query(second)]
    assert sentence_vecs[0][1] == sentence_vecs[1][0] == embedder.embed_query(shared)
    assert sentence_vecs[1][1] == embedder.embed_query("Football is popular in Brazil.")
