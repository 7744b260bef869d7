"""The offline extractive model: ranking, citations, honesty and zero usage."""

import asyncio

import pytest

from providers import ChatMessage, ChatRequest, ErrorCode, Passage, ProviderError, StreamEnd, TextDelta, get_adapter
from providers.extractive import MODEL_ID, is_chinese, rank_passages, split_deltas, terms

PASSAGES = [
    Passage("Our office opens at 9am on weekdays. It is closed on Sundays.", "Opening hours", "https://kb.test/hours"),
    Passage(
        "Refunds are issued within 14 days after we receive the return. Shipping costs are not refunded.",
        "Returns policy",
        "https://kb.test/returns",
    ),
    Passage("API keys are stored encrypted and can be rotated at any time.", "Security"),
    Passage("退货政策：我们在收到退货后14天内办理退款。运费不予退还。", "退货政策"),
]


def ask(question, passages=PASSAGES, history=()):
    messages = [*history, ChatMessage("user", question)]
    adapter = get_adapter("extractive", api_key="")
    return asyncio.run(adapter.chat(ChatRequest(model=MODEL_ID, messages=messages, passages=list(passages))))


def test_best_passage_cited_first():
    result = ask("How long do refunds take?")

    assert result.citations[0].label == "Returns policy"
    assert "[1]" in result.text
    assert "Refunds are issued within 14 days" in result.text


def test_citation_numbers_match_citations():
    result = ask("When are refunds issued and when does the office open?")

    labels = [passage.label for passage in result.citations]
    assert "Returns policy" in labels
    assert "Opening hours" in labels
    for number in range(1, len(result.citations) + 1):
        assert f"[{number}]" in result.text
    assert f"[{len(result.citations) + 1}]" not in result.text


def test_says_it_is_not_a_language_model():
    result = ask("How long do refunds take?")

    assert "not a language model" in result.text


def test_zero_usage():
    result = ask("How long do refunds take?")

    assert result.input_tokens == 0
    assert result.output_tokens == 0
    assert result.model == MODEL_ID
    assert result.finish_reason == "stop"


def test_no_match_says_so():
    result = ask("What is the capital of France?")

    assert result.citations == []
    assert "no passage" in result.text
    assert "not a language model" in result.text
    assert "[1]" not in result.text


def test_no_passages_says_so():
    result = ask("How long do refunds take?", passages=[])

    assert result.citations == []
    assert "no passage" in result.text


def test_chinese_question_finds_chinese_passage():
    result = ask("退款需要多长时间？")

    assert result.citations[0].label == "退货政策"
    assert "14天内办理退款" in result.text
    assert "我不是语言模型" in result.text


def test_chinese_no_match_in_chinese():
    result = ask("法国的首都是哪里？")

    assert result.citations == []
    assert "我不是语言模型" in result.text


def test_last_user_message_is_the_question():
    history = [ChatMessage("user", "When does the office open?"), ChatMessage("assistant", "At 9am.")]

    result = ask("And how long do refunds take?", history=history)

    assert result.citations[0].label == "Returns policy"


def test_stream_word_deltas_then_end():
    adapter = get_adapter("extractive", api_key="")
    request = ChatRequest(model=MODEL_ID, messages=[ChatMessage("user", "How long do refunds take?")], passages=PASSAGES)

    async def collect():
        return [event async for event in adapter.stream(request)]

    events = asyncio.run(collect())

    deltas = [event.text for event in events[:-1]]
    assert all(isinstance(event, TextDelta) for event in events[:-1])
    assert isinstance(events[-1], StreamEnd)
    assert len(deltas) > 10
    assert max(len(delta.strip()) for delta in deltas) < 20
    assert "".join(deltas) == events[-1].result.text
    assert events[-1].result.output_tokens == 0


@pytest.mark.parametrize("text", ["我不是语言模型：hello  world", "plain words here\n\n> quote [1]", "退款。 Refunds!", ""])
def test_split_deltas_round_trips(text):
    assert "".join(split_deltas(text)) == text


def test_unknown_model_rejected():
    adapter = get_adapter("extractive", api_key="")

    with pytest.raises(ProviderError) as caught:
        adapter.chat_sync(ChatRequest(model="gpt-5.5", messages=[ChatMessage("user", "Hi")]))

    assert caught.value.code == ErrorCode.MODEL_NOT_FOUND


def test_terms_fold_plurals_and_drop_stop_words():
    assert terms("What are the refunds") == ["refund"]


def test_chinese_terms_include_bigrams():
    found = terms("退款时间")

    assert "退款" in found
    assert "时间" in found
    assert "款时" in found


def test_is_chinese():
    assert is_chinese("退款需要多长时间？")
    assert is_chinese("API 密钥怎么轮换？")
    assert not is_chinese("How long do refunds take?")


def test_rank_drops_unmatched_passages():
    ranked = rank_passages("rotate keys", PASSAGES)

    assert [passage.label for _, passage in ranked] == ["Security"]


def test_sentences_keep_addresses_and_wrapped_lines():
    from providers.extractive import best_sentences

    quote = best_sentences(
        "How do I report broken equipment?",
        "Report broken equipment through the\nhelp desk at help@acme.test within two days.\n\nParking is free.",
    )

    assert quote == "Report broken equipment through the help desk at help@acme.test within two days."
