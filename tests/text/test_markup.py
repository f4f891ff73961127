from voicebuddy.text.markup import message_html


def test_actions_are_italic_and_soft_without_asterisks() -> None:
    html = message_html("*waves* Hello <friend>! *smiles warmly*", "#888")
    assert html == (
        '<i><span style="color:#888">waves</span></i> Hello &lt;friend&gt;! '
        '<i><span style="color:#888">smiles warmly</span></i>'
    )


def test_bold_newlines_and_an_unfinished_action_while_streaming() -> None:
    assert message_html("**Yes**\nso", "#888") == "<b>Yes</b><br>so"
    unfinished = message_html("Hi *leans in", "#888")
    assert unfinished == 'Hi <i><span style="color:#888">leans in</span></i>'
    assert message_html("你好 *笑*", "#888").endswith('<span style="color:#888">笑</span></i>')
