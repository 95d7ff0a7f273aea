"""Grading is deterministic: the examples a check meets depend on the check alone, not on what
else the grading process happens to have imported (a helper process imports less)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

PROBE = textwrap.dedent('''
    import sys
    from grader.grading.determinism import guard
    guard()  # what every grading process does before it loads a check
    if sys.argv[1] == "more":
        sys.path.insert(0, sys.argv[2])
        import constants_galore  # noqa: F401  (a local module full of literals)
    from hypothesis import given, settings, strategies as st

    seen = []

    @settings(derandomize=True, database=None, max_examples=400)
    @given(st.integers(), st.floats(allow_nan=False), st.text(max_size=3))
    def probe(i, f, t):
        seen.append((i, f, t))

    probe()
    print(repr(seen))
''')


def _examples(tmp_path, mode: str) -> str:
    module = tmp_path / "constants_galore.py"
    literals = ", ".join(str(n * 7919) for n in range(1, 300))
    floats = ", ".join(f"{n}.{n}25" for n in range(1, 300))
    module.write_text(f"INTS = [{literals}]\nFLOATS = [{floats}]\nWORDS = ['cnngrade', 'kernel', 'stride']\n")
    run = subprocess.run([sys.executable, "-c", PROBE, mode, str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_examples_do_not_depend_on_the_modules_a_process_has_loaded(tmp_path):
    assert _examples(tmp_path, "less") == _examples(tmp_path, "more")
