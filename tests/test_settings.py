"""The settings: where each value comes from (environment > secrets.toml > the Cài đặt page's
file > the demo's names > defaults), the file saved atomically, and a broken one stopping with
one sentence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tothu_core.errors import ConfigError
from tothu_core.settings import (
    DEFAULT_RECIPIENTS,
    SETTINGS_FILE_NAME,
    check_values,
    load_settings,
    origins,
    read_saved,
    save_settings,
    settings_path,
)


def env(tmp_path: Path, **values) -> dict:
    return {
        "TOTHU_DATA_DIR": str(tmp_path),
        **{f"TOTHU_{k.upper()}": str(v) for k, v in values.items()},
    }


def test_defaults_fit_a_commune_of_the_2025_structure(tmp_path):
    settings = load_settings(environ=env(tmp_path))
    assert (settings.planned_load, settings.max_load, settings.deadline_day) == (3, 5, 5)
    assert settings.report_board == "Ban Xây dựng Đảng"
    assert settings.number_code == "BC/ĐU"
    assert (settings.signing_for, settings.signer_title) == ("T/M ĐẢNG ỦY", "Bí thư")
    assert settings.recipients == DEFAULT_RECIPIENTS
    assert settings.recipients[0] == "Ban Tuyên giáo và Dân vận Tỉnh ủy (để báo cáo)"
    assert not any("huyện" in r.casefold() for r in settings.recipients)
    # Nothing names a commune by default: the report page flags these until they are set.
    assert (settings.superior_body, settings.issuing_body, settings.place) == ("", "", "")


def test_the_demo_fills_in_its_commune(tmp_path):
    settings = load_settings(environ=env(tmp_path), demo=True)
    assert (settings.superior_body, settings.issuing_body, settings.place) == (
        "Đảng bộ tỉnh Vĩnh Long", "Đảng ủy xã Mỹ Thạnh", "Mỹ Thạnh"
    )  # fmt: skip
    assert settings.organisation_gaps() == []


def test_environment_beats_secrets_beats_the_saved_file(tmp_path):
    save_settings(tmp_path, {"deadline_day": 8, "lock_days": 4, "issuing_body": "Đảng ủy xã A"})
    secrets = {"tothu": {"deadline_day": 7, "issuing_body": "Đảng ủy xã B"}}
    settings = load_settings(environ=env(tmp_path, deadline_day=6), secrets=secrets, demo=True)
    assert settings.deadline_day == 6, "the environment wins"
    assert settings.issuing_body == "Đảng ủy xã B", "secrets.toml beats the saved file"
    assert settings.lock_days == 4, "the saved file beats the default"
    assert settings.superior_body == "Đảng bộ tỉnh Vĩnh Long", "the demo fills what is left"
    where = origins(environ=env(tmp_path, deadline_day=6), secrets=secrets)
    assert where["deadline_day"] == "biến môi trường TOTHU_DEADLINE_DAY"
    assert where["issuing_body"] == "mục [tothu] của secrets.toml (issuing_body)"
    assert "lock_days" not in where


def test_older_names_are_still_read(tmp_path):
    secrets = {"tothu": {"committee_name": "Đảng ủy xã Mỹ Thạnh"}}
    settings = load_settings(environ=env(tmp_path, parent_committee="Đảng bộ tỉnh Vĩnh Long"),
                             secrets=secrets)  # fmt: skip
    assert (settings.issuing_body, settings.superior_body) == (
        "Đảng ủy xã Mỹ Thạnh", "Đảng bộ tỉnh Vĩnh Long"
    )  # fmt: skip
    assert settings.committee_name == "Đảng ủy xã Mỹ Thạnh"


def test_saving_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    path = save_settings(tmp_path, {"planned_load": 4, "recipients": "A\n\n B \nLưu VP"})
    assert path == tmp_path / SETTINGS_FILE_NAME == settings_path(tmp_path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored == {
        "version": 1,
        "settings": {"planned_load": 4, "recipients": ["A", "B", "Lưu VP"]},
    }
    inode = path.stat().st_ino
    save_settings(tmp_path, {"planned_load": 2})
    assert path.stat().st_ino != inode, "a new file renamed over the old one"
    assert read_saved(tmp_path) == {"planned_load": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == [SETTINGS_FILE_NAME]
    assert load_settings(environ=env(tmp_path)).planned_load == 2


def test_a_failed_save_keeps_the_previous_settings(tmp_path, monkeypatch):
    save_settings(tmp_path, {"lock_days": 3})

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        save_settings(tmp_path, {"lock_days": 9})
    monkeypatch.undo()
    assert read_saved(tmp_path) == {"lock_days": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == [SETTINGS_FILE_NAME]


def test_values_that_cannot_be_used_are_refused_before_anything_is_written(tmp_path):
    good, bad = check_values(
        {"deadline_day": 31, "planned_load": 6, "max_load": 5, "signing_for": "T/M CHI BỘ",
         "issuing_body": "x" * 300, "lock_days": "mười", "source": "demo"}
    )  # fmt: skip
    assert good == {"max_load": 5}
    assert bad == {
        "deadline_day": "phải từ 1 đến 28",
        "planned_load": "không được lớn hơn số tổ tối đa (5)",
        "signing_for": "phải là một trong: T/M ĐẢNG ỦY, T/M BAN THƯỜNG VỤ",
        "issuing_body": "dài quá 200 ký tự",
        "lock_days": "phải là một số nguyên",
        "source": "không phải một mục cài đặt được",
    }
    with pytest.raises(ValueError):
        save_settings(tmp_path, {"deadline_day": 0})
    assert not (tmp_path / SETTINGS_FILE_NAME).exists()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{not json", "không phải JSON hợp lệ"),
        (b"\xff\xfe", "không phải JSON hợp lệ"),
        (b'{"version": 1}', "thiếu mục «settings»"),
        (
            b'{"version": 1, "settings": {"deadline_day": 40}}',
            "mục «deadline_day» phải từ 1 đến 28",
        ),
    ],
)
def test_a_broken_settings_file_stops_with_one_sentence(tmp_path, content, detail):
    (tmp_path / SETTINGS_FILE_NAME).write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_settings(environ=env(tmp_path))
    sentence = str(raised.value)
    assert str(tmp_path / SETTINGS_FILE_NAME) in sentence and detail in sentence
    assert sentence.count(".") <= 2 and "\n" not in sentence


def test_a_bad_value_on_the_server_stops_too(tmp_path):
    with pytest.raises(ConfigError, match="biến môi trường TOTHU_MAX_LOAD.*«0» phải từ 1 đến 30"):
        load_settings(environ=env(tmp_path, max_load=0))
    with pytest.raises(ConfigError, match="planned_load"):
        load_settings(environ=env(tmp_path, planned_load=5, max_load=4))
