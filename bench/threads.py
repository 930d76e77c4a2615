"""How many llama.cpp threads the bundled model should use, idle and on a busy machine.

Times the same greedy generation (a `qa ask`-sized prompt, 48 tokens) with 1 and 2
threads, first on an idle machine, then while two other processes keep both cores busy.
Run: .venv/bin/python bench/threads.py
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time

PROMPT = [
    {
        "role": "system",
        "content": "You answer questions from the given text. "
        "Reply with a short answer taken from the text.",
    },
    {
        "role": "user",
        "content": "Text: That the two sides signed an agreement on military-technical cooperation "
        "for the next decade and finalised a contract for making more than 600,000 assault "
        "rifles for the Indian military is significant.\n\nQuestion: what did India and Russia "
        "agree on defence?\nAnswer:",
    },
]


def spin(stop):
    while not stop.is_set():
        sum(i * i for i in range(10000))


def timed(llama, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        llama.create_chat_completion(PROMPT, max_tokens=48, temperature=0.0)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    from llama_cpp import Llama

    from qa.llms import local_model_path

    path = str(local_model_path())
    models = {n: Llama(model_path=path, n_ctx=2048, n_threads=n, verbose=False) for n in (1, 2)}
    for m in models.values():
        timed(m, 1)  # warm
    print(f"cores: {os.cpu_count()}")
    for load in (0, 2):
        stop = multiprocessing.Event()
        procs = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(load)]
        for p in procs:
            p.start()
        time.sleep(0.5)
        for n, m in models.items():
            t = timed(m, 7)
            print(
                f"busy processes {load}, threads {n}: median {statistics.median(t):.2f} s, "
                f"min {min(t):.2f}, max {max(t):.2f}"
            )
        stop.set()
        for p in procs:
            p.join()


if __name__ == "__main__":
    main()
