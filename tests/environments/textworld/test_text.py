"""Cleaning interpreter output and sanitising actions."""

from agentrl.environments.textworld.text import canonical, clean_feedback, refusal, sanitize_action

RAW_FIRST = (
    "\n\n\n     ________  ________\n    |        \\|        \\\n     \\$$$$$$$$| $$$$$$$$\n\n"
    "Welcome! Take the apple.\n\n-= Kitchen =-\nYou are in a kitchen.\n\n\n\n"
    ">                                        -= Kitchen =-0/1"
)
RAW_LAST = (
    "\nYou put the apple on the table.\n\n\n            *** The End ***\n\n"
    "You scored 1 out of a possible 1, in 3 turns.\n\n\n"
    "Would you like to RESTART, RESTORE a saved game, QUIT or UNDO the last command"
)


def test_banner_prompt_and_status_line_are_removed():
    expected = "Welcome! Take the apple.\n\n-= Kitchen =-\nYou are in a kitchen."
    assert clean_feedback(RAW_FIRST) == expected


def test_end_of_game_keeps_the_verdict_and_drops_the_restart_offer():
    assert clean_feedback(RAW_LAST) == (
        "You put the apple on the table.\n\n*** The End ***\n\n"
        "You scored 1 out of a possible 1, in 3 turns."
    )


def test_actions_are_one_line_without_control_characters():
    assert sanitize_action("  take\tapple\n from  chest ") == "take apple from chest"
    assert sanitize_action("\x00go\x1b[2J east") == "go [2J east"


def test_refusals_name_the_problem():
    assert refusal("go east") is None
    assert refusal("").startswith("Empty action")
    assert refusal("x" * 201).startswith("Action too long (201 characters")
    assert refusal("x" * 200) is None
    assert "interpreter command" in refusal("RESTORE game")
    assert "interpreter command" in refusal("tw-trace-actions")


def test_canonical_ignores_case_and_spacing():
    assert canonical("-= Kitchen =-\n  You  ARE here. ") == "-= kitchen =- you are here."


def test_accents_are_stripped_so_accented_words_still_reach_the_game():
    assert sanitize_action("prends la clé") == "prends la cle"
    assert refusal(sanitize_action("open the café door")) is None


def test_backslashes_and_other_unreadable_characters_never_reach_the_interpreter():
    # dumb-frotz reads a backslash as one of its own meta-commands (\z waits forever in its
    # command mode); multibyte characters get split in its input buffer.
    for action in ("\\z", "\\help", "look \\f", "go \u200bnorth", "take 日本", "\ud800x"):
        message = refusal(sanitize_action(action))
        assert message is not None and message.startswith("The game cannot read"), action
    assert "'\\\\'" in refusal("\\z")  # the message names the character, as repr
