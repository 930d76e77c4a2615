"""An installed wheel works, not only the checkout: built, installed into another folder
and run from a third, it indexes and answers (the prompt templates ship inside it)."""

import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT, SEEDS


@pytest.mark.slow
def test_the_wheel_answers_from_another_folder(tmp_path):
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(
        [
            *pip,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("qa-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"qa/templates/answer.txt", "qa/templates/answer_small.txt"} <= set(names)
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
        [sys.executable, "-c", "import qa; print(qa.__file__)"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert located.stdout.startswith(str(target))  # the wheel's copy, not the checkout
    assert qa("ingest", str(SEEDS)).returncode == 0
    answer = qa("ask", "what did India and Russia agree on defence?")
    assert answer.returncode == 0, answer.stderr
    assert "rifles" in answer.stdout and "[1]" in answer.stdout
