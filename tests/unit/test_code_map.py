"""The code is where the README's map says, and import-linter guards every capability.

A capability package added to services/ or domain/ must also be in the import-linter contract
that keeps capabilities importing along the product's flow (a package missing from the contract
is not checked at all), in the other of the two layers, and in the README's list and flow; a
module added at the top of services/ or domain/ (shared by every capability) must be named in
the README's map of the code.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FLOW_CONTRACT = "Capabilities import only along the product's flow (services and domain alike)"


def packages(layer: str) -> set[str]:
    return {p.parent.name for p in (ROOT / "portfolio" / layer).glob("*/__init__.py")}


def shared_modules(layer: str) -> set[str]:
    return {p.stem for p in (ROOT / "portfolio" / layer).glob("*.py") if p.stem != "__init__"}


def flow_contract() -> dict[str, object]:
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [
        c for c in settings["tool"]["importlinter"]["contracts"] if c["name"] == FLOW_CONTRACT
    ]
    return contract


def names_in(layers: list[str]) -> list[str]:
    return [name for layer in layers for name in re.findall(r"[a-z_]+", layer)]


def readme_section() -> str:
    start = README.index("### Where the code lives")
    return README[start : README.index("\n## ", start)]


def test_services_and_domain_are_split_into_the_same_capabilities() -> None:
    assert packages("services") == packages("domain")


def test_the_flow_contract_covers_every_capability_once_in_both_layers() -> None:
    contract = flow_contract()
    assert contract["type"] == "layers"
    assert contract["containers"] == ["portfolio.services", "portfolio.domain"]
    names = names_in(contract["layers"])  # type: ignore[arg-type]
    assert len(names) == len(set(names)), names
    assert set(names) == packages("services")


def test_the_readme_names_every_capability_and_the_contracts_flow() -> None:
    section = readme_section()
    listed = section[section.index("The capabilities are") :]
    for capability in packages("services"):
        assert f"`{capability}`" in listed, f"README does not list {capability}"
    flow = re.search(r"flow: `([^`]+)`", " ".join(section.split()))
    assert flow, "README does not give the flow"
    stated = [part.strip() for part in flow.group(1).split("→")]
    assert stated == [
        layer.replace("(", "").replace(")", "").strip()
        for layer in flow_contract()["layers"]  # type: ignore[attr-defined]
    ]


def test_the_readme_map_names_every_shared_module() -> None:
    section = readme_section()
    rows = {
        layer: " ".join(re.findall(rf"`portfolio/{layer}/\{{([a-z_,]+)\}}\.py`", section))
        for layer in ("services", "domain")
    }
    for layer, row in rows.items():
        named = set(row.replace(",", " ").split())
        assert named == shared_modules(layer), layer


def test_no_module_imports_one_that_imports_it_back() -> None:
    """Import cycles (issue 9): the only ones allowed are a package importing its own view
    modules so they register their routes on its blueprint (web/admin/, web/reviewer/, ...)."""
    import grimp

    graph = grimp.build_graph("portfolio", cache_dir=None)
    imports = {
        module: {
            other
            for other in graph.find_modules_directly_imported_by(module)
            if other in graph.modules and not other.startswith(module + ".")
        }
        for module in graph.modules
    }

    def reaches(start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            for other in imports[todo.pop()]:
                if other == goal:
                    return True
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return False

    cycles = {
        tuple(sorted((module, other)))
        for module, others in imports.items()
        for other in others
        if reaches(other, module)
    }
    assert not cycles, sorted(cycles)


def test_every_blueprint_and_command_group_is_registered() -> None:
    """create_app names each blueprint and CLI group (issue 9): one defined and forgotten there
    would be skipped silently, its pages or commands missing."""
    import importlib
    import pkgutil

    import click
    from flask import Blueprint

    import portfolio.commands
    import portfolio.web
    from portfolio import create_app

    def defined_in(group: click.Group, module: str) -> bool:
        return group.callback is not None and group.callback.__module__ == module

    app = create_app("testing")
    blueprints, groups = set(), set()
    for package, found in ((portfolio.web, blueprints), (portfolio.commands, groups)):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if isinstance(value, Blueprint):
                    found.add(value.name)
                elif isinstance(value, click.Group) and defined_in(value, module.__name__):
                    found.add(str(value.name))
    assert blueprints and blueprints <= set(app.blueprints)
    assert groups and groups <= set(app.cli.commands)


def test_nothing_reads_the_local_date_or_time() -> None:
    """The app counts days in UTC (web/clock.py, models.base.utcnow); code or a test that asked
    the machine's local date could disagree with it near midnight (issue 9)."""
    local = re.compile(r"\bdate\.today\(|\bdatetime\.(now|today)\(\s*\)|\btime\.localtime\(")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("portfolio", "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if local.search(line) and path.name != "test_code_map.py"
    ]
    assert not found, found
