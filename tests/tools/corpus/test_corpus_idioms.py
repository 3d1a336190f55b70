"""tools/corpus/idioms.py: idiom detection over cached files and the table cells."""

from __future__ import annotations

import idioms


def _manifest():
    return {"files": [
        {"id": "o+r/m.py", "repo": "o/r", "path": "m.py",
         "classes": [{"name": "M"}], "policies": []},
        {"id": "o+r/p.py", "repo": "o/r", "path": "p.py",
         "classes": [], "policies": [{"name": "P"}]},
    ]}


def test_survey_counts_files_classes_and_policies_with_an_example_line(tmp_path):
    (tmp_path / "o+r").mkdir()
    (tmp_path / "o+r" / "m.py").write_text("import x\ntorch, nn = try_import_torch()\nnp.product(s)\n")
    (tmp_path / "o+r" / "p.py").write_text("from ray.rllib.policy.policy import Policy\nclass P(Policy): pass\n")
    rows = {r["idiom"]: r for r in idioms.survey(tmp_path, _manifest())}
    torch_row = next(r for k, r in rows.items() if "try_import_torch" in k)
    assert torch_row["files"] == ["o+r/m.py"] and torch_row["classes"] == ["o+r/m.py::M"]
    assert torch_row["example"] == "o/r:m.py:2"
    numpy_row = next(r for k, r in rows.items() if "numpy-1" in k)
    assert numpy_row["example"] == "o/r:m.py:3"
    policy_row = next(r for k, r in rows.items() if k.startswith("policy subclass"))
    assert policy_row["policies"] == ["o+r/p.py::P"] and policy_row["classes"] == []


def test_cells_summarise_a_judge_result():
    results = {
        "shim_rows": [
            {"file": "f", "cls": "A", "ray_buildable": True, "status": "match"},
            {"file": "f", "cls": "B", "ray_buildable": True, "status": "import"},
            {"file": "f", "cls": "C", "ray_buildable": False, "status": "ray-unbuildable"},
        ],
        "codemod_rows": [
            {"file": "f", "cls": "A", "outcome": "rewritten"},
            {"file": "f", "cls": "B", "outcome": "dropped"},
        ],
        "policy_rows": [{"file": "f", "policy": "P", "finding": False, "module_generated": False}],
    }
    assert idioms._shim_cell(["f::A", "f::B", "f::C"], results) == "1/2 match"
    assert idioms._codemod_cell(["f::A", "f::B"], [], results) == "1/2 rewritten, 1 dropped"
    assert idioms._codemod_cell([], ["f::P"], results) == "policies: 0/1 with a finding, 0 with a module"
    assert idioms._shim_cell(["f::A"], None) == "?"
