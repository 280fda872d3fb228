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


def test_the_llm_templates_ship_with_exactly_their_placeholders():
    p = load_prompts(PROJECT_ROOT / "prompts", require_templates=True)
    assert set(p.templates) == {"answer_system.txt", "answer_user.txt"}
    user = p.templates["answer_user.txt"].format(question="Q?", passages="[1] T\ntext")
    assert "Q?" in user and "[1] T\ntext" in user
    assert p.message("llm_fallback")  # the notice shown when the model's answer is not used


@pytest.mark.parametrize("name,old,new,message", [
    ("answer_user.txt", "{passages}", "{passage}", "missing {passages}; unknown {passage}"),
    ("answer_user.txt", "{question}", "", "missing {question}"),
    ("answer_system.txt", "passages", "{passages}", "unknown {passages}"),
])
def test_a_wrong_placeholder_in_an_llm_template_is_named(prompts_copy, name, old, new, message):
    f = prompts_copy / name
    f.write_text(f.read_text().replace(old, new, 1))
    with pytest.raises(PromptError) as err:
        load_prompts(prompts_copy)
    assert name in str(err.value) and message in str(err.value)


def test_llm_templates_are_required_only_when_a_chat_model_answers(prompts_copy):
    (prompts_copy / "answer_user.txt").unlink()
    assert "answer_user.txt" not in load_prompts(prompts_copy).templates  # extractive: not needed
    with pytest.raises(PromptError, match="answer_user.txt: not found"):
        load_prompts(prompts_copy, require_templates=True)


def test_a_pipeline_with_a_chat_model_refuses_to_start_without_its_templates(prompts_copy, tmp_path):
    from rag.pipeline import Pipeline
    from rag.settings import Settings

    (prompts_copy / "answer_system.txt").unlink()
    settings = Settings(prompts_dir=prompts_copy, store_dir=tmp_path / "store",
                        answerer="openai:m", llm_base_url="http://127.0.0.1:1/v1")
    with pytest.raises(PromptError, match="answer_system.txt: not found"):
        Pipeline(settings)
