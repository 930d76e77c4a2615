"""An installed wheel works, not only the checkout: built, installed into another folder
and run from a third, it indexes and answers (the prompt templates ship inside it)."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT, SEEDS


@pytest.mark.slow
def test_the_wheel_answers_from_another_folder(tmp_path):
    pip = [sys.executable, "-m", "pip", "-q"]
    # From a clean copy: a build/ folder left in the checkout would hide a missing package.
    source = tmp_path / "source"
    top_level = {".venv", ".git", "build", "index", ".qa-cache", ".pytest_cache"}

    def skip(folder, names):
        at_top = os.path.samefile(folder, ROOT)
        return [
            n
            for n in names
            if n == "__pycache__" or n.endswith(".egg-info") or (at_top and n in top_level)
        ]

    shutil.copytree(ROOT, source, ignore=skip)
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")]
    subprocess.run([*build, str(source)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("qa-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"qa/templates/answer.txt", "qa/templates/answer_small.txt"} <= names
    # Every module of the package is in the wheel (a new subpackage must be listed).
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "qa").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    target = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "QA_INDEX": str(tmp_path / "index")}
    env.pop("QA_PROMPTS", None)

    def qa(*args):
        code = "import sys; from qa.cli import main; sys.argv = ['qa', *sys.argv[1:]]; main()"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
        )

    where = qa("--version")
    assert where.returncode == 0
    located = subprocess.run(
        [
            sys.executable,
            "-c",
            "import qa.cli, qa.index; print(qa.cli.__file__, qa.index.__file__)",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    # the wheel's copies, not the checkout's (which an editable install could lend)
    files = located.stdout.split()
    assert len(files) == 2 and all(f.startswith(str(target)) for f in files), located.stderr
    assert qa("ingest", str(SEEDS)).returncode == 0
    answer = qa("ask", "what did India and Russia agree on defence?")
    assert answer.returncode == 0, answer.stderr
    assert "rifles" in answer.stdout and "[1]" in answer.stdout
