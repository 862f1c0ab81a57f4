"""Settings precedence: flags > environment > file > defaults; bad values say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from stratus.settings import SettingsError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = load_settings()
    assert (settings.sim.nodes, settings.sim.speed, settings.sim.port) == (3, 1.0, 0)


def test_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("sim:\n  nodes: 5\n  seed: 9\n  speed: 2\n")
    monkeypatch.setenv("STRATUS_CONFIG", str(config))
    monkeypatch.setenv("STRATUS_SIM__SPEED", "4")
    settings = load_settings(sim={"seed": 11})
    assert settings.sim.nodes == 5  # file
    assert settings.sim.speed == 4.0  # environment over file
    assert settings.sim.seed == 11  # flag over file


def test_bad_values_name_the_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("STRATUS_SIM__NODES", "0")
    with pytest.raises(SettingsError, match=r"sim\.nodes"):
        load_settings()
    monkeypatch.delenv("STRATUS_SIM__NODES")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sim: [")
    monkeypatch.setenv("STRATUS_CONFIG", str(broken))
    with pytest.raises(SettingsError, match=r"broken\.yaml"):
        load_settings()
    monkeypatch.setenv("STRATUS_CONFIG", str(tmp_path / "absent.yaml"))
    with pytest.raises(SettingsError, match="not a file"):
        load_settings()


def test_kernel_settings_come_from_file_and_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("kernel:\n  settle_min: 10\n  w_sla: 5\n")
    monkeypatch.setenv("STRATUS_CONFIG", str(config))
    monkeypatch.setenv("STRATUS_KERNEL__SETTLE_MIN", "20")
    kernel = load_settings().kernel
    assert (kernel.settle_min, kernel.settle_max, kernel.w_sla) == (20.0, 300.0, 5.0)
    monkeypatch.setenv("STRATUS_KERNEL__W_ALERTS", "-1")
    with pytest.raises(SettingsError, match=r"kernel\.w_alerts"):
        load_settings()
