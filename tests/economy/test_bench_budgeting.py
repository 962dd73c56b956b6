"""The participatory budgeting benchmark's own parts: which round it takes,
and that it rewrites only its own section of docs/benchmarks.md. Nothing
here is timed."""

from __future__ import annotations

from bench.budgeting import DATA, END, START, largest, main


def test_the_benchmark_takes_the_round_with_the_most_votes():
    assert largest(DATA).name == "Poland_Wieliczka_2023_Green_Budget.pb"


def test_the_benchmark_rewrites_only_its_own_section(tmp_path, capsys):
    doc = tmp_path / "benchmarks.md"
    other = "<!-- bench:counting:start -->\nthe counting figures\n<!-- bench:counting:end -->\n"
    doc.write_text(f"# Benchmarks\n\n{other}")
    args = [
        "--file",
        str(DATA / "Netherlands_Assen_2024.pb"),
        "--rounds",
        "1",
        "--quiet-wait",
        "0",
        "--out",
        str(doc),
    ]
    main(args)
    main(args)  # again: the section is replaced, not added twice
    text = doc.read_text()
    assert text.startswith(f"# Benchmarks\n\n{other}")
    assert text.count(START) == text.count(END) == 1
    section = text[text.index(START) :]
    assert "Netherlands_Assen_2024.pb" in section
    assert "| Method of Equal Shares alone |" in section
    # On this round too, both libraries fund the same projects, in the same order.
    assert "✘" not in section
    assert START in capsys.readouterr().out
