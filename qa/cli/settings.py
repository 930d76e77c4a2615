"""`qa config` (the settings file) and `qa models`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from ..errors import UsageError
from ..terminal import clean
from . import BaseUrlOpt, JsonOpt, _check_url, _Group, _llm, _print_json, app

config_app = typer.Typer(cls=_Group, no_args_is_help=False, invoke_without_command=True)
app.add_typer(config_app, name="config")


@config_app.callback()
def config_show(
    ctx: typer.Context,
    json_out: JsonOpt = False,
):
    """Show or change the settings file: a model chosen once is used by every command.

    Without a subcommand, shows each setting, its value and where it comes from (a flag
    wins over the environment, which wins over the file, which wins over the default).

    Example: qa config set llm ollama:llama3.1
    """
    if ctx.invoked_subcommand:
        return
    from ..config import CONFIG_KEYS, config_file, read_config

    values = read_config()
    envs = {"llm": "QA_LLM", "index": "QA_INDEX", "chroma_url": "QA_CHROMA_URL"}
    rows = []
    for key, about in CONFIG_KEYS.items():
        env = envs.get(key)
        value: str | None
        if env and os.environ.get(env):
            value, source = os.environ[env], f"environment ({env})"
        elif key in values:
            value, source = values[key], "settings file"
        else:
            value, source = {"llm": "local"}.get(key), "default"
        rows.append({"key": key, "value": value, "from": source, "about": about})
    if json_out:
        _print_json({"file": str(config_file()), "settings": rows})
        return
    typer.echo(f"settings file: {clean(str(config_file()))}")
    for r in rows:
        shown = clean(r["value"]) if r["value"] else "-"
        typer.echo(f"  {r['key']:<11} {shown:<32} ({r['from']}) {r['about']}")


@config_app.command("set")
def config_set(
    key: Annotated[str, typer.Argument(help="llm, base_url, index or chroma_url.")],
    value: Annotated[str, typer.Argument(help="The value.")],
):
    """Set one setting in the settings file.

    Example: qa config set llm ollama:llama3.1
    """
    from ..config import CONFIG_KEYS, read_config, write_config

    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown setting {key!r}; choose one of {', '.join(CONFIG_KEYS)}")
    if key == "llm":
        _llm(value, None)  # refuses what --llm would refuse
    elif key == "chroma_url":
        _check_url(value)
    elif not value.strip():
        raise UsageError(f"{key} cannot be empty; use `qa config unset {key}`")
    if key == "index":
        value = str(Path(value).expanduser().resolve())
    values = read_config()
    values[key] = value
    path = write_config(values)
    typer.echo(f"{key} = {clean(value)} (in {clean(str(path))})")


@config_app.command("unset")
def config_unset(key: Annotated[str, typer.Argument(help="The setting to remove.")]):
    """Remove one setting from the settings file (back to its default).

    Example: qa config unset llm
    """
    from ..config import CONFIG_KEYS, read_config, write_config

    if key not in CONFIG_KEYS:
        raise UsageError(f"unknown setting {key!r}; choose one of {', '.join(CONFIG_KEYS)}")
    values = read_config()
    values.pop(key, None)
    write_config(values)
    typer.echo(f"{key} unset")


@app.command()
def models(
    base_url: BaseUrlOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", metavar="", help="Print one JSON object per model.")
    ] = False,
):
    """List the models that can answer, marking the one in use.

    The bundled one, the models an Ollama server has, and those of a configured
    OpenAI-compatible server.

    Example: qa models
    """
    from ..llms import available_models

    current = _llm(None, base_url).name
    rows = available_models(base_url or _config_value("base_url"))
    for row in rows:
        row["current"] = row["name"] == current
    if json_out:
        for row in rows:
            _print_json(row)
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        state = "" if row["available"] else " (not available)"
        typer.echo(f"{mark} {clean(row['name']):<28} {clean(row['detail'])}{state}")
    typer.echo("\n* in use. Choose another once with `qa config set llm NAME`, or --llm NAME.")


def _config_value(key: str) -> str | None:
    from ..config import configured

    return configured(key)
