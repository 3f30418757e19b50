"""The README's settings table is generated from settings.py and must not drift from it."""

from harvester import settings_doc


def test_settings_table_is_up_to_date():
    readme = settings_doc.README.read_text(encoding="utf-8")
    assert settings_doc.render(readme) == readme, "run `python -m harvester.settings_doc` to refresh the README"


def test_every_setting_of_ours_is_documented():
    import ast

    source = settings_doc.SETTINGS.read_text(encoding="utf-8")
    documented = {name for name, _, _ in settings_doc.documented_settings(source)}
    ours = {
        node.targets[0].id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and node.targets[0].id.startswith(("OPEN1688_", "HARVEST_"))
    }
    assert ours - documented == set()
