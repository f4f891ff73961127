from voicebuddy.text.prefix import SpeakerLabelFilter
from voicebuddy.text.sentences import SentenceSplitter


def split_streamed(text: str, piece: int = 3) -> list[str]:
    splitter = SentenceSplitter()
    out: list[str] = []
    for i in range(0, len(text), piece):
        out += splitter.feed(text[i : i + piece])
    return out + splitter.flush()


def test_english_sentences_are_cut_as_they_complete() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("Hello there") == []
    assert splitter.feed(". How") == ["Hello there."]
    assert splitter.feed(" are you?") == []  # could still be "?!" or a closing quote
    assert splitter.feed(" Fine") == ["How are you?"]
    assert splitter.flush() == ["Fine"]


def test_decimals_abbreviations_and_initials_do_not_end_a_sentence() -> None:
    text = "Pi is 3.14 today. Dr. Smith met J. R. R. Tolkien, e.g. at home! Bye."
    assert split_streamed(text) == [
        "Pi is 3.14 today.",
        "Dr. Smith met J. R. R. Tolkien, e.g. at home!",
        "Bye.",
    ]


def test_chinese_punctuation_cuts_immediately() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("你好。今天") == ["你好。"]
    assert splitter.feed("天气很好！我们去") == ["今天天气很好！"]
    assert splitter.feed("散步吧？") == ["我们去散步吧？"]
    assert splitter.flush() == []


def test_closing_quotes_and_actions_stay_with_their_sentence() -> None:
    text = '*She smiles.* "Really?" she asks. Yes!'
    assert split_streamed(text, piece=1) == ["*She smiles.*", '"Really?"', "she asks.", "Yes!"]


def test_newlines_end_sentences_and_the_stream_is_not_altered() -> None:
    text = "First line\nSecond line... and more!?  Last"
    sentences = split_streamed(text, piece=2)
    assert sentences == ["First line", "Second line...", "and more!?", "Last"]
    assert "".join(sentences).replace(" ", "") == text.replace("\n", "").replace(" ", "")


def test_speaker_label_is_dropped_from_the_start_of_a_reply() -> None:
    def run(pieces: list[str]) -> str:
        label = SpeakerLabelFilter("Buddy")
        return "".join(label.feed(p) for p in pieces) + label.flush()

    assert run(["Bud", "dy", ":", " Hi", " there."]) == "Hi there."
    assert run([" buddy: Hello"]) == "Hello"
    assert run(["Bud", "get talk."]) == "Budget talk."
    assert run(["Hi Buddy: yes"]) == "Hi Buddy: yes"
    assert run(["Bud"]) == "Bud"
    assert run(["Buddy:"]) == ""


def test_the_first_clause_may_be_spoken_before_its_sentence_ends() -> None:
    splitter = SentenceSplitter(first_clause_chars=10)
    out: list[str] = []
    for piece in "Well, my friend, that is a fine question, really. And then, more.":
        out += splitter.feed(piece)
    out += splitter.flush()
    # only the reply's first piece is cut at a comma, and only once it is long enough
    assert out == ["Well, my friend,", "that is a fine question, really.", "And then, more."]
    chinese = SentenceSplitter(first_clause_chars=4)
    assert chinese.feed("今天天气很好，我们去公园吧。") == ["今天天气很好，", "我们去公园吧。"]
    numbers = SentenceSplitter(first_clause_chars=3)
    assert numbers.feed("It costs 1,000 dollars. ") == ["It costs 1,000 dollars."]


def first_phrases(reply: str) -> list[str]:
    splitter = SentenceSplitter(first_clause_chars=10, first_phrase_words=5)
    out: list[str] = []
    for i in range(0, len(reply), 2):  # as tokens arrive
        out += splitter.feed(reply[i : i + 2])
    return out + splitter.flush()


def test_the_first_piece_may_end_at_a_phrase_boundary_within_a_few_words() -> None:
    # a comma after two words or more, else before "about", "to", ... after three words
    assert first_phrases("I'm sorry, I don't have that. Ask me again.")[:2] == [
        "I'm sorry,",
        "I don't have that.",
    ]
    assert first_phrases("What's a funny joke about a cat? Tell me.")[:2] == [
        "What's a funny joke",
        "about a cat?",
    ]
    # else after five words; only the first piece is cut early
    assert first_phrases("The old ships sailed away from home today. Then we went home.") == [
        "The old ships sailed away",
        "from home today.",
        "Then we went home.",
    ]
    assert first_phrases("Sure! It costs 1,000 dollars.") == ["Sure!", "It costs 1,000 dollars."]
    assert first_phrases("今天天气很好我们去公园散步吧。") == ["今天天气很好我们去公园散步吧。"]
