"""`policy eval` and `policy explain`: one case decided and explained (text, JSON, brief, a page)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.explain import render_json, render_text
from engine.evaluate.case import read_case, read_case_file
from engine.language.diagnostics import CaseError, PolicyError
from engine.explain.counterfactual import what_if
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import load_policy
from engine.language.resources import DEFAULT_YEAR
from engine.language.resources import policies_root as bundled_policies
from engine.evaluate.selection import fields_of_years, select
from engine.cli.common import (EXIT_OK, EXIT_NOT_ELIGIBLE, EXIT_USAGE, EXIT_BAD_CASE, EXIT_BAD_POLICY, _case_message, _shown,
                               _fail, cli, _write_text)
from engine.cli.words import word


def _load(case: str, policy_dir: str | None, policies_root: str | None, lang: str = "en"):
    """The policy (given, or the year in force on the case's date among --policies or the bundled
    years), the raw case, the selection, and the input names the other years declare."""
    if policy_dir and policies_root:
        _fail(word(lang, "policy.both"), EXIT_USAGE)
    try:
        raw = read_case_file(case, lang)
        if policy_dir:
            return load_policy(policy_dir).policy, raw, None, frozenset()
        root = policies_root or bundled_policies()
        selection = select(root, raw, _shown(case, lang), default=None if policies_root else DEFAULT_YEAR, lang=lang)
        return selection.loaded.policy, raw, selection, fields_of_years(root)
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    except CaseError as exc:
        _fail(_case_message(exc, lang), EXIT_BAD_CASE)


def _values(policy, raw, case: str, also_known: frozenset = frozenset(), lang: str = "en") -> dict:
    try:
        return read_case(policy, raw, _shown(case, lang), also_known=also_known, lang=lang)
    except CaseError as exc:
        _fail(_case_message(exc, lang), EXIT_BAD_CASE)


def _chosen(selection, policy) -> dict | None:
    """Which year effective dating picked and why, for the text and JSON outputs."""
    if selection is None:
        return None
    return {"folder": selection.folder.name, "programme": policy.programme, "in_force": [str(d) for d in policy.in_force],
            "chosen_by": {"field": selection.date_field, "date": None if selection.by_default else str(selection.applied_on),
                          "default": selection.by_default}}


@cli.command("eval")
@click.argument("case", type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None,
              help="Policy folder (holding policy.rules). Default: the bundled year in force on the case's 申請日 (2024 for an undated case).")
@click.option("--policies", "policies_root", type=click.Path(), default=None,
              help="A folder of policy years: use the one in force on the case's application date.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "brief"]), default="text", show_default=True,
              help="text: the explanation; json: the decision as data; brief: only what decides (the form of tests/snapshots/).")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the explanation and its messages (ja: Japanese, en: English).")
@click.option("--frame", "frames", multiple=True, help="Evaluate only this frame (repeatable).")
@click.option("--trace/--no-trace", "full", default=False,
              help="Add every rule's trace with the values it saw (text and JSON; off by default).")
@click.option("--fail", "fail_if_none", is_flag=True,
              help="Exit 1 when no frame is eligible (by default a decision made is exit 0, whatever it says).")
def eval_command(case: str, policy_dir: str | None, policies_root: str | None, fmt: str, lang: str,
                 frames: tuple[str, ...], full: bool, fail_if_none: bool) -> None:
    """Evaluate CASE (a JSON file, or - for standard input) and explain the decision for every frame.
    Exit 0 when the case was decided, whatever the decision (1 with --fail when no frame is eligible)."""
    policy, raw, selection, also_known = _load(case, policy_dir, policies_root, lang)
    values = _values(policy, raw, case, also_known, lang)  # before anything reads the case (its "frame" key included)
    frames = _frames(policy, raw, frames, case, lang)
    decision = what_if(policy, values, evaluate(policy, values, frames or None))
    chosen = _chosen(selection, policy)
    if fmt == "json":
        out = render_json.decision(decision, lang, traces=full)
        if chosen:
            out = {"selected_policy": chosen, **out}
        from engine.explain import json_text  # orjson when installed: a traced decision is 168 KiB of text

        click.echo(json_text.indented(out))
    elif fmt == "brief":
        from engine.explain import render_brief

        click.echo(render_brief.decision(decision, lang), nl=False)
    else:
        if chosen:
            click.echo(render_text.selection(chosen, lang))
        click.echo(render_text.decision(decision, lang, full), nl=False)
    eligible = any(f.status != "not_eligible" for f in decision.frames)
    sys.exit(EXIT_NOT_ELIGIBLE if fail_if_none and not eligible else EXIT_OK)


def _frames(policy, raw, frames: tuple[str, ...], case: str, lang: str = "en") -> tuple[str, ...]:
    """The frames to evaluate: --frame, else the case's own "frame" key, by name or label (none: every frame)."""
    known = [f.name for f in policy.frames]
    from_case = not frames and isinstance(raw, dict) and bool(raw.get("frame"))
    if from_case:  # the case names the frame it applies for
        frames = (raw["frame"],) if isinstance(raw["frame"], str) else tuple(raw["frame"])
    by_label = {f.label.ja: f.name for f in policy.frames} | {f.label.en: f.name for f in policy.frames if f.label.en}
    frames = tuple(by_label.get(f, f) for f in frames)  # a frame may be named by its label too
    unknown = [f for f in frames if f not in known]
    if unknown:
        import difflib

        close = difflib.get_close_matches(unknown[0], known, n=1, cutoff=0.4)
        hint = word(lang, "frame.did_you_mean", name=close[0]) if close else ""
        message = word(lang, "frame.unknown", frames=", ".join(unknown), hint=hint, known=", ".join(known))
        if from_case:  # a field of the case, not an option: a bad case
            _fail(_case_message(CaseError([f"frame: {message}"], _shown(case, lang)), lang), EXIT_BAD_CASE)
        _fail(message, EXIT_USAGE)
    return frames


@cli.command("explain")
@click.argument("case", type=click.Path(allow_dash=True))
@click.option("--policy", "policy_dir", type=click.Path(), default=None,
              help="Policy folder. Default: the bundled year in force on the case's 申請日 (2024 for an undated case).")
@click.option("--policies", "policies_root", type=click.Path(), default=None,
              help="A folder of policy years: use the one in force on the case's application date.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the explanation and its messages (ja: Japanese, en: English).")
@click.option("--frame", "frames", multiple=True, help="Explain only this frame, by name or label (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the page here (default: standard output).")
def explain_command(case: str, policy_dir: str | None, policies_root: str | None, lang: str, frames: tuple[str, ...],
                    output: str | None) -> None:
    """Render the explained decision for CASE (a JSON file, or - for standard input) as one self-contained HTML page."""
    from engine.explain import render_html
    policy, raw, selection, also_known = _load(case, policy_dir, policies_root, lang)
    values = _values(policy, raw, case, also_known, lang)
    frames = _frames(policy, raw, frames, case, lang)
    title = _shown(case, lang) if case == "-" else Path(case).name
    page = render_html.decision(what_if(policy, values, evaluate(policy, values, frames or None)), lang, title, _chosen(selection, policy))
    _write_text(page, output, lang)
