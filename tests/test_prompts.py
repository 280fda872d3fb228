"""rag.prompts: message files are checked for their placeholders at start-up."""

import shutil

import pytest

from rag.prompts import PromptError, load_prompts
from rag.settings import PROJECT_ROOT


def test_shipped_prompts_are_valid():
    p = load_prompts(PROJECT_ROOT / "prompts")
    assert "{topics}" not in p.message("not_found", topics="trials")
    assert set(p.urgent) == set(p.symptom_names)


@pytest.fixture
def prompts_copy(tmp_path):
    dst = tmp_path / "prompts"
    shutil.copytree(PROJECT_ROOT / "prompts", dst)
    return dst


@pytest.mark.parametrize("old,new,message", [
    ("{topics}", "{topic}", "missing {topics}; unknown {topic}"),
    ("{length}", "", "missing {length}"),
    ('disclaimer = "', 'disclaimer = "{name} ', "unknown {name}"),
])
def test_a_wrong_placeholder_is_named(prompts_copy, old, new, message):
    f = prompts_copy / "messages.toml"
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(PromptError) as err:
        load_prompts(prompts_copy)
    assert message in str(err.value)


def test_missing_and_broken_files_are_reported(prompts_copy):
    (prompts_copy / "messages.toml").write_text("not = [valid")
    with pytest.raises(PromptError, match="not valid TOML"):
        load_prompts(prompts_copy)
    (prompts_copy / "messages.toml").unlink()
    with pytest.raises(PromptError, match="not found"):
        load_prompts(prompts_copy)


def test_a_missing_urgent_message_is_reported(prompts_copy):
    f = prompts_copy / "messages.toml"
    f.write_text("\n".join(l for l in f.read_text().splitlines() if not l.startswith("chest_pain =")))
    with pytest.raises(PromptError, match="urgent.chest_pain"):
        load_prompts(prompts_copy)
