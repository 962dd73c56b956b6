"""Keeping the Arabic and English catalogues complete.

    python -m taawun.i18n check          # fails if a string is missing or untranslated
    python -m taawun.i18n fill-english   # English msgstr = msgid (source text is English)

`check` extracts the strings from a copy of the source with Django's
makemessages and compares them with the catalogues, so a new string that
was never extracted fails just like one left untranslated.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent
LANGS = ("ar", "en")
ARABIC_PLURALS = 6


def _po(lang: str, root: Path = ROOT) -> Path:
    return root / "locale" / lang / "LC_MESSAGES" / "django.po"


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def extract(into: Path) -> set[tuple[str, str, str]]:
    shutil.copytree(
        ROOT, into / "taawun", ignore=shutil.ignore_patterns("locale", "migrations", "__pycache__")
    )
    (into / "taawun" / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "en",
            "--no-location",
            "--ignore",
            "*/migrations/*",
            "--verbosity",
            "0",
        ],
        cwd=into / "taawun",
        check=True,
    )
    return {_key(e) for e in polib.pofile(str(_po("en", into / "taawun"))) if not e.obsolete}


def check() -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = extract(Path(tmp))
    for lang in LANGS:
        path = _po(lang)
        if not path.exists():
            problems.append(f"{lang}: no catalogue at {path}")
            continue
        catalogue = polib.pofile(str(path))
        keys = {_key(e) for e in catalogue if not e.obsolete}
        for _ctx, msgid, _plural in sorted(source - keys):
            problems.append(f"{lang}: not in the catalogue (run `make messages`): {msgid!r}")
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{lang}: marked fuzzy: {entry.msgid!r}")
            elif entry.msgid_plural:
                forms = [entry.msgstr_plural.get(i, "") for i in range(len(entry.msgstr_plural))]
                wanted = ARABIC_PLURALS if lang == "ar" else 2
                if len(forms) < wanted or not all(forms):
                    problems.append(f"{lang}: plural forms missing: {entry.msgid!r}")
            elif not entry.msgstr:
                problems.append(f"{lang}: not translated: {entry.msgid!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < path.stat().st_mtime:
            problems.append(f"{lang}: not compiled (run compilemessages)")
    return problems


def fill_english() -> None:
    path = _po("en")
    catalogue = polib.pofile(str(path))
    for entry in catalogue:
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    catalogue.save()


def main(argv: list[str]) -> int:
    if argv == ["check"]:
        problems = check()
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            print(f"{len(problems)} catalogue problem(s)", file=sys.stderr)
            return 1
        print("catalogues: Arabic and English complete and compiled")
        return 0
    if argv == ["fill-english"]:
        fill_english()
        return 0
    print("usage: python -m taawun.i18n check|fill-english", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
