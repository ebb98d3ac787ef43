"""Packaging that pyproject.toml cannot express: policies/ and reports/ live at the top
of the repository (the design card's layout) but ship inside the wheel as engine/policies
and engine/reports, so no generic top-level 'policies' or 'reports' package is installed."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["engine", "engine.*"]), "engine.policies", "engine.reports"],
    package_dir={"engine.policies": "policies", "engine.reports": "reports"},
    package_data={
        "engine": ["py.typed", "schemas/*.json"],
        "engine.policies": ["**/*.rego", "**/*.yaml", "**/*.json", "**/*.py"],
        "engine.reports": ["**/*.j2", "**/*.html", "**/*.md", "**/*.css"],
    },
    exclude_package_data={"engine.reports": ["out/**"]},
)
