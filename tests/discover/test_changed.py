"""Which units a change touches (staged and diff modes)."""

from __future__ import annotations

from engine.discover.changed import changed_units
from engine.model import Unit, UnitKind

UNITS = (
    Unit(UnitKind.TERRAFORM, "infra", "infra", ("infra/main.tf", "infra/vars.tf")),
    Unit(UnitKind.TERRAFORM, ".", "", ("root.tf",)),
    Unit(UnitKind.TERRAFORM_PLAN, "plans/p.json", "plans", ("plans/p.json",)),
    Unit(UnitKind.KUBERNETES, "kubernetes", "", ("k8s/a.yaml", "k8s/b.yaml", "k8s/c.yaml")),
    Unit(UnitKind.HELM, "chart:charts/app@default", "charts/app", ("charts/app/Chart.yaml",)),
)


def identities(changed: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    return [(u.identity, u.files) for u in changed_units(UNITS, frozenset(changed))]


def test_a_deleted_terraform_file_changes_its_module() -> None:
    assert identities({"infra/gone.tf"}) == [("infra", ("infra/main.tf", "infra/vars.tf"))]


def test_the_kubernetes_unit_narrows_to_changed_files_and_keeps_its_identity() -> None:
    assert identities({"k8s/b.yaml", "README.md"}) == [("kubernetes", ("k8s/b.yaml",))]


def test_root_module_plans_and_charts() -> None:
    assert identities({"root.tf"}) == [(".", ("root.tf",))]
    assert identities({"plans/other.json"}) == []
    assert identities({"plans/p.json"}) == [("plans/p.json", ("plans/p.json",))]
    assert identities({"charts/app/templates/d.yaml"}) == [
        ("chart:charts/app@default", ("charts/app/Chart.yaml",))]
    assert identities({"docs/readme.md"}) == []


def test_errors_outside_the_changed_units_are_not_this_changes() -> None:
    from engine.discover.changed import concerns_units
    from engine.model import ScanError

    reported = changed_units(UNITS, frozenset({"k8s/b.yaml", "infra/main.tf"}))
    changed = frozenset({"k8s/b.yaml", "infra/main.tf"})
    chart = ScanError("not-rendered", "x", "charts/app/Chart.yaml", 1, "helm:charts/app")
    assert not concerns_units(chart, reported, changed)
    assert concerns_units(chart, reported, changed | {"charts/app/values.yaml"})
    assert concerns_units(ScanError("parse-error", "x", "k8s/b.yaml", 3, "kubernetes"),
                          reported, changed)
    assert not concerns_units(ScanError("parse-error", "x", "k8s/a.yaml", 3, "kubernetes"),
                              reported, changed)
    assert concerns_units(ScanError("parse-error", "x", "infra/vars.tf", 2, "infra"),
                          reported, changed)
    assert concerns_units(ScanError("engine-error", "x"), reported, changed)
