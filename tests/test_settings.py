"""The settings registry: every setting validated, written with its help, read back unchanged."""

from __future__ import annotations

import pytest

from socialhr.config import SETTINGS, dumps, load, validate
from socialhr.errors import SettingsError
from socialhr.network.analyze import NetworkOptions
from socialhr.workspace import Workspace


def test_written_settings_read_back_as_they_were(tmp_path):
    values = validate({"strong_tie_weight": 3, "leiden_resolution": "0.5", "email_exclude": "news@*, bot@*", "joiner_days": "60"})
    assert values["strong_tie_weight"] == 3.0 and isinstance(values["strong_tie_weight"], float)
    assert values["email_exclude"] == ["news@*", "bot@*"]
    path = tmp_path / "socialhr.toml"
    path.write_text(dumps(values))
    assert load(path) == values
    text = path.read_text()
    for setting in SETTINGS.values():
        assert f"# {setting.help}" in text


def test_network_options_come_from_the_workspace_settings(tmp_path):
    ws = Workspace.init(tmp_path / "ws", settings={"strong_tie_weight": 4.5, "exact_betweenness_limit": 100})
    ws.close()
    ws = Workspace.open(tmp_path / "ws")
    opts = NetworkOptions.from_settings(ws.settings)
    assert (opts.strong_tie_weight, opts.exact_betweenness_limit, opts.min_group_size) == (4.5, 100, 5)
    ws.close()


def test_every_network_option_is_a_registered_setting_with_the_same_default():
    for name, default in NetworkOptions().__dict__.items():
        assert SETTINGS[name].default == default and SETTINGS[name].kind is type(default), name


@pytest.mark.parametrize("values, message", [
    ({"strong_tie_weight": "heavy"}, "settings: setting 'strong_tie_weight' must be float, got 'heavy'"),
    ({"strong_tie_weight": True}, "settings: setting 'strong_tie_weight' must be float, got True"),
    ({"shrink_threshold": 1.5}, "settings: setting 'shrink_threshold' must be above 0 and at most 1, got 1.5"),
    ({"tie_min_interactions": 0}, "settings: setting 'tie_min_interactions' must be at least 1, got 0"),
    ({"betweenness_samples": 1}, "settings: setting 'betweenness_samples' must be at least 2, got 1"),
    ({"tie_strength": 2}, "settings: unknown setting 'tie_strength'"),
])
def test_bad_settings_are_refused_with_the_setting_named(values, message):
    with pytest.raises(SettingsError) as e:
        validate(values)
    assert str(e.value).startswith(message)
